"""``kuangan lookback-sample``: draw the look-back (回头看) sample of a region, or show and check
a recorded draw (``--show ID``)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kuangan.campaigns.models import Campaign
from kuangan.campaigns.verdicts import latest_campaign
from kuangan.core.management.base import KuanganCommand
from kuangan.core.models import Region

from ... import services
from ...models import LookbackDraw


def as_data(record: LookbackDraw) -> dict:
    """The draw as plain data: its choices, seed, drawn mines with their reasons, check."""
    return {
        "id": record.pk,
        "campaign": record.campaign_id,
        "region": record.region.code,
        "cities": record.cities,
        "counties": record.counties,
        "key_mines": record.key_mines,
        "ratio": str(record.ratio),
        "seed": record.seed,
        "method": record.method,
        "method_label": str(record.get_method_display()),
        "population": len(record.population),
        "full": record.full,
        "sampled": record.sampled,
        "drawn": services.lookback_rows(record),
        "unvisited": services.lookback_unvisited(record),
        "drawn_by": str(record.drawn_by),
        "drawn_at": record.drawn_at.isoformat(),
        "reproducible": services.lookback_verify(record),
    }


class Command(KuanganCommand):
    """Draw the look-back (回头看) sample of a region as --user, with a recorded seed: every key
    mine (--key-mine), at least one mine in each chosen city (--city) and key county
    (--county), and --ratio of the other mines in the campaign scope; print each drawn mine
    with the reasons it was drawn. With --show ID: print a recorded draw and check that
    drawing again with its seed gives the same sample (exit status 1 when not)."""

    def add_arguments(self, parser):
        parser.add_argument("--user", help="draw as this user (their permission and scope)")
        parser.add_argument("--region", help="code of the region drawn from (e.g. 220000)")
        parser.add_argument("--ratio", help="share of the other mines to draw, 0 to 1")
        parser.add_argument("--campaign", type=int, help="campaign id (default: the user's latest)")
        parser.add_argument(
            "--city", action="append", default=[], help="code of a city to visit (repeatable)"
        )
        parser.add_argument(
            "--county",
            action="append",
            default=[],
            help="code of a key county to visit (repeatable)",
        )
        parser.add_argument(
            "--key-mine", action="append", default=[], help="code of a key mine (repeatable)"
        )
        parser.add_argument("--seed", help="the seed (default: a random one, recorded)")
        parser.add_argument("--show", type=int, metavar="ID", help="show and check a draw")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            record = self._show(options) if options["show"] else self._draw(options)
            data = as_data(record)
            if options["format"] == "json":
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                self._print(data)
            if not data["reproducible"]:
                raise CommandError(
                    _(
                        "Drawing again with the recorded seed gives a different sample: the "
                        "record was changed."
                    )
                )

    def _show(self, options) -> LookbackDraw:
        record = LookbackDraw.objects.filter(pk=options["show"]).first()
        if record is None:
            raise CommandError(_("No look-back draw %(id)s.") % {"id": options["show"]})
        return record

    def _draw(self, options) -> LookbackDraw:
        user = self.actor(options["user"])
        if user is None:
            raise CommandError(_("Name the user who draws the sample with --user."))
        missing = [f"--{k}" for k in ("region", "ratio") if options[k] in (None, "")]
        if missing:
            raise CommandError(_("Missing: %(options)s") % {"options": " ".join(missing)})
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(_("No region %(code)s.") % {"code": options["region"]})
        if options["campaign"] is not None:
            campaign = Campaign.objects.visible_to(user).filter(pk=options["campaign"]).first()
        else:
            campaign = latest_campaign(user)
        if campaign is None:
            raise CommandError(_("Choose a campaign."))
        try:
            return services.lookback_draw(
                by=user,
                campaign=campaign,
                region=region,
                ratio=options["ratio"],
                cities=options["city"],
                counties=options["county"],
                key_mines=options["key_mine"],
                seed=options["seed"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None

    def _print(self, data: dict) -> None:
        self.stdout.write(
            _(
                "Look-back draw %(id)s of %(region)s: seed %(seed)s, ratio %(ratio)s, "
                "%(population)s mines in the population, %(drawn)s drawn."
            )
            % {
                "id": data["id"],
                "region": data["region"],
                "seed": data["seed"],
                "ratio": data["ratio"],
                "population": data["population"],
                "drawn": len(data["drawn"]),
            }
        )
        for row in data["drawn"]:
            reasons = "；".join(r["text"] for r in row["reasons"])
            self.stdout.write(f"{row['code']}\t{row['name']}\t{row['county_name']}\t{reasons}")
        if data["unvisited"]:
            self.stdout.write(
                _("No mine in the campaign scope to visit in:")
                + " "
                + "、".join(u["region_name"] for u in data["unvisited"])
            )
        if data["reproducible"]:
            self.stdout.write(
                self.style.SUCCESS(_("Drawing again with the recorded seed gives the same sample."))
            )
