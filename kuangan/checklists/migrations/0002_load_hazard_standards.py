"""Load the shipped major-hazard standards (data/hazard_standards/*.yaml) into a fresh
database. Later versions are loaded with ``kuangan load-hazard-standards FILE``."""

from django.db import migrations


def load(apps, schema_editor):
    from kuangan.checklists import catalogue

    standard_model = apps.get_model("checklists", "HazardStandard")
    criterion_model = apps.get_model("checklists", "MajorHazardCriterion")
    for path in catalogue.shipped_files():
        fields, criteria = catalogue.parse(catalogue.read(path))
        if standard_model.objects.filter(code=fields["code"]).exists():
            continue
        catalogue.write_standard(
            fields, criteria, standard_model=standard_model, criterion_model=criterion_model
        )


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
