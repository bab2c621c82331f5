"""Issue 11: the monthly major-hazard check is led by a person, the principal (主要负责人) of the
mine's enterprise; ``led_by`` keeps the free-text name of the checks recorded before."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0005_orders_reinspection"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthlymajorhazardcheck",
            name="principal",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="principal who led the check",
            ),
        ),
        migrations.AlterField(
            model_name="monthlymajorhazardcheck",
            name="led_by",
            field=models.CharField(blank=True, max_length=64, verbose_name="led by"),
        ),
    ]
