"""Issue 11: orders read exactly (七(四)) and root causes (七(三)): a major hazard's root cause
and lasting measure; the re-inspection (复查) of a suspension, the close request resting on it,
the matter a transfer names, and the proposal stored with each order."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0004_penalty_decided"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="hazard",
            name="root_cause",
            field=models.TextField(
                blank=True,
                help_text="The deep-seated, fundamental cause of the hazard (根本性原因).",
                verbose_name="root cause",
            ),
        ),
        migrations.AddField(
            model_name="hazard",
            name="lasting_measure",
            field=models.TextField(
                blank=True,
                help_text="The measure that removes the cause for good (治本措施).",
                verbose_name="lasting measure",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="proposal",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="What the facts of the day of issue called for, with the notice's words.",
                verbose_name="proposal at issue",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="transfer_category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("out_of_bounds", "Mining beyond the licensed layers or boundaries"),
                    ("unlicensed", "Mining without a licence"),
                    ("theft", "Stealing mineral resources"),
                    ("explosives", "Civil explosives"),
                    ("special_equipment", "Special equipment"),
                    ("construction", "Construction management"),
                    ("project_approval", "Approval of mine construction projects"),
                    ("obsolete_capacity", "Phasing out obsolete capacity"),
                    ("other", "Other matter for another department"),
                ],
                help_text="For a transfer: the matter the competent department handles.",
                max_length=20,
                verbose_name="matter transferred",
            ),
        ),
        migrations.CreateModel(
            name="Reinspection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("inspected_on", models.DateField(verbose_name="re-inspected on")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("met", "Conditions for safe production met"),
                            ("unmet", "Still without the conditions for safe production"),
                        ],
                        max_length=8,
                        verbose_name="re-inspection outcome",
                    ),
                ),
                ("findings", models.TextField(verbose_name="findings")),
                (
                    "inspector",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="re-inspected by",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reinspections",
                        to="hazards.order",
                        verbose_name="suspension",
                    ),
                ),
            ],
            options={
                "verbose_name": "re-inspection",
                "verbose_name_plural": "re-inspections",
                "ordering": ["-inspected_on", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="order",
            name="reinspection",
            field=models.ForeignKey(
                blank=True,
                help_text="For a close request: the re-inspection that found the conditions unmet.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="close_requests",
                to="hazards.reinspection",
                verbose_name="re-inspection",
            ),
        ),
    ]
