from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="UnmannedShutdownMine",
            fields=[],
            options={
                "verbose_name": "unmanned long-shutdown mine",
                "verbose_name_plural": "unmanned long-shutdown mines",
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("registry.mine",),
        ),
    ]
