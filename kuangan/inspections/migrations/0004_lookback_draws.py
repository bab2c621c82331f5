"""Issue 11 (filled in by the work on it).

Look-back draws record why each mine was drawn and the method; draws made before issue 11 (the
census of the chosen cities and key counties) keep ``census`` so they can still be checked."""

from django.db import migrations, models

METHODS = [
    ("census", "Every mine of the chosen cities and key counties (before issue 11)"),
    ("visit", "Each chosen city and key county visited, the rest at the ratio"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_validate_phones"),
    ]

    operations = [
        # Existing rows were drawn as a census; new rows default to the visit.
        migrations.AddField(
            model_name="lookbackdraw",
            name="method",
            field=models.CharField(
                choices=METHODS, default="census", max_length=16, verbose_name="method"
            ),
        ),
        migrations.AlterField(
            model_name="lookbackdraw",
            name="method",
            field=models.CharField(
                choices=METHODS, default="visit", max_length=16, verbose_name="method"
            ),
        ),
        migrations.AddField(
            model_name="lookbackdraw",
            name="reasons",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="why each mine was drawn"
            ),
        ),
    ]
