"""The look-back (回头看) sample of a region: drawn with a recorded seed, so that anyone can
draw it again and get the same mines (``quality.draw``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.campaigns import rules
from kuangan.campaigns.models import Campaign
from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import Region, User
from kuangan.core.scope import in_subtree, scope_of
from kuangan.core.services import refuse, require_perm
from kuangan.registry.models import Mine

from ..models import LookbackDraw
from ..quality import Candidate, draw


def _candidates(campaign: Campaign, region: Region) -> list[Candidate]:
    """The look-back population: the mines of ``region`` in the campaign's scope."""
    out = []
    mines = Mine.objects.filter(in_subtree("region", region)).select_related("region")
    for mine in mines:
        if not rules.campaign_scope(rules.facts(mine.rule_state())).in_scope:
            continue
        parts = mine.region.path.strip("/").split("/")
        city = parts[1] if len(parts) > 2 else parts[-1]
        out.append(Candidate(mine.code, city, mine.region.code))
    return out


def _codes(regions: Iterable[Region | str]) -> list[str]:
    return sorted({c if isinstance(c, str) else c.code for c in regions})


def lookback_draw(
    *,
    by: User,
    campaign: Campaign,
    region: Region,
    ratio: Decimal | float | str | None,
    cities: Iterable[Region | str] = (),
    counties: Iterable[Region | str] = (),
    key_mines: Iterable[str] = (),
    seed: str | None = None,
) -> LookbackDraw:
    """Draw and record the look-back sample of ``region`` (the full-coverage part and a random
    sample of the rest at ``ratio``) with a recorded seed."""
    require_perm(by, "inspections.add_lookbackdraw")
    if not scope_of(by).covers(region):
        refuse(
            by,
            _("This region lies outside your jurisdiction."),
            obj=region,
            perm="add_lookbackdraw",
        )
    try:
        share = Decimal(str(ratio))
    except InvalidOperation:
        raise ValidationError({"ratio": _("Give the ratio as a number from 0 to 1.")}) from None
    if not Decimal(0) <= share <= Decimal(1):
        raise ValidationError({"ratio": _("Give the ratio as a number from 0 to 1.")})
    # What is checked in full: the same choices for the draw and for its record.
    full_coverage = {
        "cities": _codes(cities),
        "counties": _codes(counties),
        "key_mines": sorted({str(c).strip() for c in key_mines if str(c).strip()}),
    }
    population = _candidates(campaign, region)
    known = {c.code for c in population}
    unknown = [c for c in full_coverage["key_mines"] if c not in known]
    if unknown:
        raise ValidationError(
            {
                "key_mines": _("Not a mine of this region in the campaign: %(codes)s")
                % {"codes": "、".join(unknown[:10])}
            }
        )
    seed = (seed or "").strip() or secrets.token_hex(8)
    full, sampled = draw(population, **full_coverage, ratio=float(share), seed=seed)
    with transaction.atomic():
        record = LookbackDraw(
            campaign=campaign,
            region=region,
            **full_coverage,
            ratio=share,
            seed=seed,
            population=[[c.code, c.city, c.county] for c in population],
            full=full,
            sampled=sampled,
            drawn_by=by,
        )
        record.full_clean()
        record.save()
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=record,
            changes=audit.added(
                {
                    "seed": seed,
                    "ratio": str(share),
                    "population": len(population),
                    "full": len(full),
                    "sampled": sampled,
                }
            ),
        )
    return record


def lookback_verify(record: LookbackDraw) -> bool:
    """Draw again from the recorded population, choices and seed: the same sample?"""
    population = [Candidate(*row) for row in record.population]
    full, sampled = draw(
        population,
        cities=record.cities,
        counties=record.counties,
        key_mines=record.key_mines,
        ratio=float(record.ratio),
        seed=record.seed,
    )
    return bool(full == record.full and sampled == record.sampled)
