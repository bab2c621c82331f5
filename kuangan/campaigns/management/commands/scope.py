"""``kuangan scope [--campaign ID] [--format json|xlsx] [--output FILE]``: the campaign verdict
of every mine (campaign scope, watch duty, key-inspection scope, checklist, priority)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kuangan.campaigns import verdicts
from kuangan.campaigns.choices import (
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
)
from kuangan.campaigns.models import Campaign
from kuangan.campaigns.presenters import labels
from kuangan.core.ledger import write_xlsx
from kuangan.core.management.base import KuanganCommand
from kuangan.registry.choices import MineKind, MineStatus
from kuangan.registry.models import Mine


def xlsx_rows(rows):
    for r in rows:
        p = r["priority"]
        yield [
            r["code"],
            r["name"],
            str(MineKind(r["kind"]).label),
            str(MineStatus(r["status"]).label),
            r["region_code"],
            r["campaign_scope"]["in_scope"],
            labels(CampaignReason, r["campaign_scope"]["reasons"]),
            r["watch_required"],
            r["inspection_scope"]["in_scope"],
            labels(InspectionReason, r["inspection_scope"]["reasons"]),
            str(ChecklistFamily(r["checklist"]).label),
            str(PriorityLevel(p["level"]).label),
            labels(PriorityReason, p["reasons"]),
            p["inspect_before"] or "",
        ]


class Command(KuanganCommand):
    """Print the campaign verdict of every mine as one JSON array (or an Excel sheet): campaign
    scope, watch duty, key-inspection scope with reasons, checklist, priority. Without
    --campaign: the latest campaign."""

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, help="campaign id (default: the latest)")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args, campaign=None, format="json", output=None, **options):
        if campaign is not None:
            chosen = Campaign.objects.filter(pk=campaign).first()
            if chosen is None:
                known = ", ".join(
                    f"{c.pk} ({c.name})" for c in Campaign.objects.latest_first()[:10]
                )
                raise CommandError(
                    f"No campaign with id {campaign}. Known campaigns: {known or 'none'}."
                )
        else:
            chosen = verdicts.latest_campaign()
            if chosen is None:
                self.stderr.write(
                    "No campaign exists: using the notice's default thresholds, without a "
                    "flood-season date."
                )
        rows = verdicts.verdict_rows(Mine.objects.select_related("region").order_by("code"), chosen)
        if format == "json":
            text = json.dumps(list(rows), ensure_ascii=False, indent=2)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        with translation.override(settings.LANGUAGE_CODE):
            headers = [
                _("Mine code"),
                _("Mine name"),
                _("Mine kind"),
                _("Production status"),
                _("Division code"),
                _("In campaign scope"),
                _("Campaign scope reason"),
                _("Watch duty required"),
                _("In key-inspection scope"),
                _("Key-inspection reasons"),
                _("Checklist"),
                _("Priority"),
                _("Priority reasons"),
                _("Inspect before"),
            ]
            title = _("Campaign scope of mines")
            if output:
                count = write_xlsx(output, title, headers, xlsx_rows(rows))
                self.stderr.write(f"{count} mines written to {output}.")
                return
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
                write_xlsx(tmp.name, title, headers, xlsx_rows(rows))
                tmp.seek(0)
                sys.stdout.buffer.write(Path(tmp.name).read_bytes())
                sys.stdout.buffer.flush()
