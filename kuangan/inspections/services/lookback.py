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

from ..choices import LookbackMethod, LookbackReason
from ..models import LookbackDraw
from ..quality import Candidate, Draw, census_draw, draw


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


def _within(code: str, region: Region) -> bool:
    """Whether the region ``code`` lies within ``region`` (or is it)."""
    return Region.objects.filter(in_subtree("", region), code=code).exists()


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
    """Draw and record the look-back sample of ``region`` with a recorded seed: every key mine,
    one mine visiting each chosen city and key county, and ``ratio`` of the rest
    (``quality.draw``), with the reasons each mine was drawn. The population is the region's
    mines in the campaign scope on the day of the draw; it is recorded with the draw, so a
    later change of a mine does not change the draw or its check."""
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
    outside = {
        key: [code for code in full_coverage[key] if not _within(code, region)]
        for key in ("cities", "counties")
    }
    for key, codes in outside.items():
        if codes:
            raise ValidationError(
                {
                    key: _("Not a region within %(region)s: %(codes)s")
                    % {"region": region.name, "codes": "、".join(codes[:10])}
                }
            )
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
    result = draw(population, **full_coverage, ratio=float(share), seed=seed)
    with transaction.atomic():
        record = LookbackDraw(
            campaign=campaign,
            region=region,
            **full_coverage,
            ratio=share,
            seed=seed,
            method=LookbackMethod.VISIT,
            population=[[c.code, c.city, c.county] for c in population],
            full=result.full,
            sampled=result.sampled,
            reasons=result.reasons,
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
                    "full": result.full,
                    "sampled": result.sampled,
                }
            ),
        )
    return record


def lookback_redraw(record: LookbackDraw) -> Draw:
    """Draw again from the recorded population, choices and seed, by the record's method."""
    population = [Candidate(*row) for row in record.population]
    choices = {"cities": record.cities, "counties": record.counties, "key_mines": record.key_mines}
    if record.method == LookbackMethod.CENSUS:
        full, sampled = census_draw(
            population, **choices, ratio=float(record.ratio), seed=record.seed
        )
        reasons: dict[str, list[dict[str, str]]] = {}
        for c in population:
            if c.code in sampled:
                reasons[c.code] = [{"reason": LookbackReason.RATIO.value, "region": ""}]
            elif c.code in full:
                reasons[c.code] = [
                    {"reason": why.value, "region": region}
                    for why, region, applies in (
                        (LookbackReason.KEY_MINE, "", c.code in record.key_mines),
                        (LookbackReason.COUNTY, c.county, c.county in record.counties),
                        (LookbackReason.CITY, c.city, c.city in record.cities),
                    )
                    if applies
                ]
        return Draw(reasons=dict(sorted(reasons.items())), unvisited=[])
    return draw(population, **choices, ratio=float(record.ratio), seed=record.seed)


def lookback_verify(record: LookbackDraw) -> bool:
    """Draw again from the recorded population, choices and seed: the same sample (and, for a
    draw that records them, the same reasons)?"""
    again = lookback_redraw(record)
    same = again.full == record.full and again.sampled == record.sampled
    if record.method == LookbackMethod.CENSUS:
        return bool(same)
    return bool(same and again.reasons == record.reasons)


def lookback_rows(record: LookbackDraw) -> list[dict]:
    """The drawn mines of ``record`` by code, each with its name, county and the reasons it
    was drawn in words (``{"reason", "label", "region", "region_name", "text"}``)."""
    codes = record.full + record.sampled
    mines = {m.code: m for m in Mine.objects.filter(code__in=codes).select_related("region")}
    why = record.reasons or lookback_redraw(record).reasons
    county_of = {row[0]: row[2] for row in record.population}
    regions = {r["region"] for reasons in why.values() for r in reasons if r.get("region")}
    regions |= {county_of.get(code, "") for code in codes}
    names = dict(Region.objects.filter(code__in=regions).values_list("code", "name"))
    rows = []
    for code in sorted(codes):
        mine = mines.get(code)
        county = county_of.get(code, "")
        reasons = []
        for r in why.get(code, []):
            label = str(LookbackReason(r["reason"]).label)
            region_name = names.get(r.get("region", ""), r.get("region", ""))
            reasons.append(
                {
                    "reason": r["reason"],
                    "label": label,
                    "region": r.get("region", ""),
                    "region_name": region_name,
                    "text": f"{label}：{region_name}" if region_name else label,
                }
            )
        rows.append(
            {
                "code": code,
                "name": mine.name if mine else "",
                "county": county,
                "county_name": names.get(county, county),
                "full": code in record.full,
                "reasons": reasons,
            }
        )
    return rows


def lookback_unvisited(record: LookbackDraw) -> list[dict]:
    """The chosen cities and key counties that had no mine in the campaign scope to visit."""
    codes = lookback_redraw(record).unvisited
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [{"region": c, "region_name": names.get(c, c)} for c in codes]
