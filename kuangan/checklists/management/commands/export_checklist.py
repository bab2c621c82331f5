from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kuangan.checklists import exports
from kuangan.checklists.models import ChecklistTemplate
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Export checklist versions to .xlsx or YAML (by the file's extension), in the format
    import-checklist reads. Without --id, every published version."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .yaml file to write")
        parser.add_argument("--id", type=int, action="append", help="a version's id (repeatable)")

    def handle(self, *args, file, id=None, **options):
        qs = ChecklistTemplate.objects.all()
        qs = qs.filter(pk__in=id) if id else qs.published()
        templates = list(qs.order_by("family", "code", "version"))
        if not templates:
            raise CommandError(_("No checklist to export."))
        path = Path(file)
        if path.suffix.lower() == ".xlsx":
            path.write_bytes(exports.export_xlsx(templates))
        elif path.suffix.lower() in (".yaml", ".yml"):
            path.write_bytes(exports.export_yaml(templates))
        else:
            raise CommandError(_("Unsupported file type: use .xlsx or .yaml (.yml)."))
        self.stdout.write(
            self.style.SUCCESS(
                _("Exported %(n)d checklist(s) to %(path)s.") % {"n": len(templates), "path": path}
            )
        )
