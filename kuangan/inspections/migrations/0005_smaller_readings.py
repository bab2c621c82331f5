"""Issue 11 (filled in by the work on it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0004_lookback_draws"),
    ]

    operations = [
        migrations.AlterField(
            model_name="itemresult",
            name="disposal",
            field=models.CharField(
                blank=True,
                choices=[
                    ("evacuate", "Evacuate workers from the danger area"),
                    ("rectify", "Order rectification"),
                    ("suspend", "Suspend production for rectification"),
                    ("penalty", "Administrative penalty"),
                    ("transfer", "Transfer to other authorities"),
                    ("close_request", "Propose closure"),
                    ("judicial_transfer", "Transfer to the judicial authorities"),
                ],
                max_length=20,
                verbose_name="disposal opinion",
            ),
        ),
    ]
