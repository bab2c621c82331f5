from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.management.base import KuanganCommand
from kuangan.core.models import Region
from kuangan.registry.exports import export_filename, filtered_mines, write_workbook


class Command(KuanganCommand):
    """Export the mine registry in the import format (.xlsx), with the registry ledger's
    filters: --region, --kind, --status, --q, or any ledger parameter as --filter NAME=VALUE."""

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: a dated name here)")
        parser.add_argument(
            "--user",
            help="export what this user sees (and the filters that need a user: enterprise, "
            "campaign); without it, the whole province",
        )
        parser.add_argument("--region", help="region code: mines in its subtree")
        parser.add_argument("--kind", action="append", default=[], help="mine kind (repeatable)")
        parser.add_argument("--status", action="append", default=[], help="status (repeatable)")
        parser.add_argument("--q", help="search text, as the ledger's search box")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="any other ledger filter, e.g. --filter in_inspection=true (repeatable)",
        )

    def handle(self, *args, **options):
        params: list[tuple[str, str]] = []
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(
                    _("No division of Jilin province has the code %(code)s.")
                    % {"code": options["region"]}
                )
            params.append(("region", str(region.pk)))
        params += [("kind", k) for k in options["kind"]]
        params += [("status", s) for s in options["status"]]
        if options["q"]:
            params.append(("q", options["q"]))
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(_("Write each filter as NAME=VALUE: %(item)s") % {"item": item})
            params.append((name.strip(), value.strip()))
        actor = self.actor(options["user"])
        request = RequestFactory().get("/registry/mines/export/", params)
        request.user = actor or AnonymousUser()
        request.session = {}
        mines, invalid = filtered_mines(request, everything=actor is None)
        if invalid:
            raise CommandError(_("Invalid filter: %(errors)s") % {"errors": invalid})
        output = Path(options["output"] or export_filename(str(_("Mine registry"))))
        count = write_workbook(str(output), mines.iterator(chunk_size=2000))
        audit.record(
            actor=actor,
            action=AuditAction.EXPORTED,
            object_repr=str(_("Mine registry")),
            actor_repr=None if actor else "system",
            changes={"rows": count, "filters": dict(params), "format": "import"},
            region=actor.audit_region() if actor else None,
        )
        self.stdout.write(
            self.style.SUCCESS(_("%(n)d mines written to %(path)s.") % {"n": count, "path": output})
        )
