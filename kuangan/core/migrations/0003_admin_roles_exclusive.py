"""The system, security and audit administrator roles exclude every other role (等保 三员分立).
The services refuse such a combination with a clear message; this trigger makes the database
itself refuse it, whatever path writes the role table (shell, admin, a bug). The role codes are
those of ``core.choices.Role`` (written out: a migration must not change with the code)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS core_user_admin_roles_exclusive
       BEFORE INSERT ON core_user_groups
       WHEN EXISTS (
           SELECT 1 FROM auth_group AS ng, core_user_groups AS ug
           JOIN auth_group AS g ON g.id = ug.group_id
           WHERE ng.id = NEW.group_id AND ug.user_id = NEW.user_id
             AND ug.group_id <> NEW.group_id
             AND ng.name IN ('province_admin', 'regulator_leader', 'regulator_inspector',
                             'enterprise_principal', 'enterprise_safety_officer',
                             'group_inspector', 'agency_user', 'government_user',
                             'system_admin', 'security_admin', 'audit_admin')
             AND g.name IN ('province_admin', 'regulator_leader', 'regulator_inspector',
                            'enterprise_principal', 'enterprise_safety_officer',
                            'group_inspector', 'agency_user', 'government_user',
                            'system_admin', 'security_admin', 'audit_admin')
             AND (ng.name IN ('system_admin', 'security_admin', 'audit_admin')
                  OR g.name IN ('system_admin', 'security_admin', 'audit_admin')))
       BEGIN
         SELECT RAISE(ABORT,
           'the system, security and audit administrator roles exclude every other role');
       END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS core_user_admin_roles_exclusive;"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_user_admin_roles_exclusive() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (
           SELECT 1 FROM auth_group AS ng, core_user_groups AS ug
           JOIN auth_group AS g ON g.id = ug.group_id
           WHERE ng.id = NEW.group_id AND ug.user_id = NEW.user_id
             AND ug.group_id <> NEW.group_id
             AND ng.name IN ('province_admin', 'regulator_leader', 'regulator_inspector',
                             'enterprise_principal', 'enterprise_safety_officer',
                             'group_inspector', 'agency_user', 'government_user',
                             'system_admin', 'security_admin', 'audit_admin')
             AND g.name IN ('province_admin', 'regulator_leader', 'regulator_inspector',
                            'enterprise_principal', 'enterprise_safety_officer',
                            'group_inspector', 'agency_user', 'government_user',
                            'system_admin', 'security_admin', 'audit_admin')
             AND (ng.name IN ('system_admin', 'security_admin', 'audit_admin')
                  OR g.name IN ('system_admin', 'security_admin', 'audit_admin'))
         ) THEN
           RAISE EXCEPTION
             'the system, security and audit administrator roles exclude every other role'
             USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_user_admin_roles_exclusive BEFORE INSERT OR UPDATE ON core_user_groups
       FOR EACH ROW EXECUTE FUNCTION core_user_admin_roles_exclusive();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_user_admin_roles_exclusive ON core_user_groups;",
    "DROP FUNCTION IF EXISTS core_user_admin_roles_exclusive();",
]


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
        ("core", "0002_regions_and_audit_triggers"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, drop)]
