"""Issue 11: the penalty guidance of a regulator's finding, decided on the facts of the day it
was found and stored with them (notice 七(四)). Findings recorded before are decided when read
(``Hazard.guidance``) until a regulator recomputes them."""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0003_risk_items"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="hazard",
            name="penalty_basis",
            field=models.JSONField(
                blank=True,
                default=dict,
                encoder=django.core.serializers.json.DjangoJSONEncoder,
                verbose_name="facts of the penalty guidance",
            ),
        ),
        migrations.AddField(
            model_name="hazard",
            name="penalty_decided",
            field=models.CharField(
                blank=True,
                choices=[
                    ("lenient", "Lenient: may be punished lightly or not at all"),
                    ("heavy", "Heavy: punished heavily, people held to account"),
                    ("standard", "Standard"),
                ],
                max_length=10,
                verbose_name="penalty guidance decided",
            ),
        ),
        migrations.AddField(
            model_name="hazard",
            name="penalty_decided_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="penalty guidance decided at"
            ),
        ),
        migrations.AddField(
            model_name="hazard",
            name="penalty_decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="penalty guidance decided by",
            ),
        ),
    ]
