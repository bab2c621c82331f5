"""The audit table refuses every rewrite, not only UPDATE and DELETE (0002):

* SQLite: ``INSERT OR REPLACE`` (and ``REPLACE``) over an existing event deletes the old row
  without firing the delete trigger (recursive triggers are off), so an insert whose id or hash
  is already in the table is refused before it happens.
* PostgreSQL: ``TRUNCATE`` fires no row trigger, so a statement trigger refuses it. (An
  ``INSERT … ON CONFLICT DO UPDATE`` fires the update trigger of 0002.)

The database's owner can still drop these triggers; the production profile runs the application
as a role that owns nothing (README), and the keyed chain and its anchor (``core.audit``) detect
what the owner could do."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_replace BEFORE INSERT ON core_auditevent
       WHEN EXISTS (SELECT 1 FROM core_auditevent WHERE id = NEW.id OR hash = NEW.hash)
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS core_auditevent_no_replace;"]
POSTGRES = [
    """CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_refuse();""",
]
POSTGRES_REVERSE = ["DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_admin_roles_exclusive"),
    ]

    operations = [migrations.RunPython(create, drop)]
