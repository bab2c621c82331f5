"""Load the three example checklists written for Kuang'an (data/templates/*.yaml), published,
so that a fresh database can run inspections before the official tables are imported."""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from kuangan.checklists import examples

    examples.load(
        template_model=apps.get_model("checklists", "ChecklistTemplate"),
        aspect_model=apps.get_model("checklists", "ChecklistAspect"),
        item_model=apps.get_model("checklists", "ChecklistItem"),
        criterion_model=apps.get_model("checklists", "MajorHazardCriterion"),
        published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("checklists", "0002_load_hazard_standards")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
