"""Issue 11: a conversion is recorded whichever way of mining the mine is registered under; a
mine may be flagged as seriously threatened by water (with its basis); spontaneous
combustion is a disaster attribute of the mine."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_validate_phones"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="mine",
            name="mine_conversion_fits_kind",
        ),
        migrations.AddField(
            model_name="mine",
            name="flood_threat",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "受水害威胁严重, judged by the regulator for any kind of mine (a tailings pond "
                    "or an open pit too), whatever the hydrogeological type; give its basis."
                ),
                verbose_name="seriously threatened by water",
            ),
        ),
        migrations.AddField(
            model_name="mine",
            name="flood_threat_basis",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Why the mine is seriously threatened by water (e.g. a river or reservoir "
                    "above the workings, old flooded workings, the flood level of the catchment)."
                ),
                max_length=500,
                verbose_name="basis of the water threat",
            ),
        ),
        migrations.AddField(
            model_name="mine",
            name="spontaneous_combustion",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Coal seams or ores classed as prone to spontaneous combustion (容易自燃 or "
                    "自燃)."
                ),
                verbose_name="prone to spontaneous combustion",
            ),
        ),
        migrations.AddConstraint(
            model_name="mine",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("conversion", "none"),
                    models.Q(("kind", "tailings_pond"), _negated=True),
                    _connector="OR",
                ),
                name="mine_conversion_fits_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="mine",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("flood_threat", False),
                    models.Q(("flood_threat_basis", ""), _negated=True),
                    _connector="OR",
                ),
                name="mine_flood_threat_has_basis",
            ),
        ),
        migrations.AddConstraint(
            model_name="mine",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("spontaneous_combustion", False),
                    models.Q(("kind", "tailings_pond"), _negated=True),
                    _connector="OR",
                ),
                name="mine_spontaneous_combustion_kind",
            ),
        ),
    ]
