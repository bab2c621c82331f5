"""Issue 11: the coal criteria (应急管理部令第4号) take the official 2020 wording, the official
names of the Art. 3 categories and a note naming the source of each wording; the example
checklists are published again as version 2 (the open-pit coal example rewritten, all three
with an item on 隐蔽致灾因素普查), retiring version 1."""

from django.db import migrations
from django.utils import timezone


def update_criteria(apps, schema_editor):
    from kuangan.checklists import catalogue

    standard_model = apps.get_model("checklists", "HazardStandard")
    criterion_model = apps.get_model("checklists", "MajorHazardCriterion")
    for path in catalogue.shipped_files():
        fields, criteria = catalogue.parse(catalogue.read(path))
        standard = standard_model.objects.filter(code=fields["code"]).first()
        if standard is None:
            continue
        standard_model.objects.filter(pk=standard.pk).update(
            sources=fields["sources"], confidence=fields["confidence"], note=fields["note"]
        )
        for c in criteria:
            criterion_model.objects.filter(standard=standard, code=c["code"]).update(
                wording=c["wording"], category=c["category"], note=c["note"]
            )


def load_examples(apps, schema_editor):
    from kuangan.checklists import examples

    examples.load(
        template_model=apps.get_model("checklists", "ChecklistTemplate"),
        aspect_model=apps.get_model("checklists", "ChecklistAspect"),
        item_model=apps.get_model("checklists", "ChecklistItem"),
        criterion_model=apps.get_model("checklists", "MajorHazardCriterion"),
        published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0003_load_example_templates"),
    ]

    operations = [
        migrations.RunPython(update_criteria, migrations.RunPython.noop),
        migrations.RunPython(load_examples, migrations.RunPython.noop),
    ]
