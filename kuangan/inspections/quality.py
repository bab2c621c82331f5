"""Supervision (督导检查): how good a mine's self-inspection was, and the look-back (回头看)
sample.

Notice 六(四): “加强对矿山企业自查自改情况进行重点督导……发现自查自改走过场、不认真、重大风险研判
不准确、重大事故隐患查不出来、重大问题整改不彻底的，一律推倒重来。……10 月至 11 月……开展‘回头看’
抽查检查，对相关市（州）检查全覆盖、对重点县检查全覆盖、对重点矿山检查全覆盖，其他抽查比例由各督导
检查组结合实际自行确定。”
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

from kuangan.core.scope import in_subtree
from kuangan.registry.models import Mine

from .choices import (
    DONE_STATUSES,
    REGULATOR_KINDS,
    HazardLevel,
    InspectionKind,
    LookbackReason,
    Outcome,
)
from .models import Inspection

# Answers per minute above which a self-inspection is implausibly fast (走过场): a real check
# of an item on site (looking, asking, reading the records) takes well over ten seconds.
FAST_ANSWERS_PER_MINUTE = 6.0


@dataclass
class Quality:
    mine: Mine
    self_inspection: Inspection | None
    items: int = 0
    noncompliant: int = 0
    all_compliant: bool = False
    answers_per_minute: float | None = None
    fast: bool = False
    missed_major: int = 0  # major hazards found by regulators on items self-answered as fine
    compared: int = 0  # items answered 符合/不符合 both by the mine and by the regulator
    agreed: int = 0

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    @property
    def flags(self) -> int:
        return sum([self.missed_major > 0, self.all_compliant, self.fast]) + (
            1 if self.agreement is not None and self.agreement < 0.8 else 0
        )

    def sort_key(self):
        """Worst first: missed major hazards, then flags, then low agreement."""
        return (
            -self.missed_major,
            -self.flags,
            self.agreement if self.agreement is not None else 2.0,
            getattr(self.mine, "code", ""),
        )


def answers_per_minute(answered: int, started_at, finished_at) -> float | None:
    if not answered or started_at is None or finished_at is None:
        return None
    minutes = (finished_at - started_at).total_seconds() / 60
    if minutes <= 0:
        return float("inf")
    return answered / minutes


def _outcomes(inspection: Inspection) -> dict[str, tuple[str, str]]:
    return {
        code: (outcome, level)
        for code, outcome, level in inspection.results.values_list(
            "item__code", "outcome", "hazard_level"
        )
    }


def mine_quality(
    mine, *, self_inspection: Inspection | None, regulator: Iterable[Inspection]
) -> Quality:
    """The figures of one mine from its latest self-inspection and the regulators' finished
    inspections of it (items compared by their number in the checklist)."""
    q = Quality(mine=mine, self_inspection=self_inspection)
    if self_inspection is None:
        return q
    own = _outcomes(self_inspection)
    answered = [o for o, _l in own.values() if o != Outcome.UNCHECKED]
    q.items = len(answered)
    q.noncompliant = sum(1 for o in answered if o == Outcome.NONCOMPLIANT)
    q.all_compliant = bool(answered) and q.noncompliant == 0
    q.answers_per_minute = answers_per_minute(
        q.items, self_inspection.started_at, self_inspection.finished_at
    )
    q.fast = q.answers_per_minute is not None and q.answers_per_minute > FAST_ANSWERS_PER_MINUTE
    binary = (Outcome.COMPLIANT, Outcome.NONCOMPLIANT)
    for inspection in regulator:
        for code, (outcome, level) in _outcomes(inspection).items():
            mine_outcome = own.get(code, (None, ""))[0]
            if outcome == Outcome.NONCOMPLIANT and level == HazardLevel.MAJOR:
                if mine_outcome != Outcome.NONCOMPLIANT:
                    q.missed_major += 1
            if outcome in binary and mine_outcome in binary:
                q.compared += 1
                q.agreed += outcome == mine_outcome
    return q


def quality_rows(*, user, region=None, mine_code: str | None = None) -> list[Quality]:
    """Self-inspection quality of every mine visible to ``user`` that has a submitted
    self-inspection (or of the one mine ``mine_code``), worst first."""
    mines = Mine.objects.visible_to(user)
    if mine_code:
        mines = mines.filter(code=mine_code)
    if region is not None:
        mines = mines.filter(in_subtree("region", region))
    done = (
        Inspection.objects.visible_to(user)
        .filter(status__in=DONE_STATUSES, mine__in=mines)
        .select_related("mine")
    )
    latest_self: dict[int, Inspection] = {}
    regulator: dict[int, list[Inspection]] = {}
    for i in done.order_by("submitted_at"):
        if i.kind == InspectionKind.SELF:
            latest_self[i.mine_id] = i
        elif i.kind in REGULATOR_KINDS:
            regulator.setdefault(i.mine_id, []).append(i)
    rows = [
        mine_quality(s.mine, self_inspection=s, regulator=regulator.get(mine_id, []))
        for mine_id, s in latest_self.items()
    ]
    return sorted(rows, key=Quality.sort_key)


# --- Look-back sampling ----------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    code: str
    city: str  # region code of the city (or of a county governed by the province)
    county: str


def census_draw(
    population: Iterable[Candidate],
    *,
    cities: Iterable[str] = (),
    counties: Iterable[str] = (),
    key_mines: Iterable[str] = (),
    ratio: float,
    seed: str,
) -> tuple[list[str], list[str]]:
    """The draw as it was before issue 11 (``LookbackMethod.CENSUS``), kept only to check
    draws recorded with it: every mine of the chosen cities and key counties and every key
    mine, then ``ceil(ratio × n)`` of the rest. Returns (full, sampled), each sorted by code."""
    if not 0 <= ratio <= 1:
        raise ValueError("ratio must lie between 0 and 1")
    cities, counties, key_mines = set(cities), set(counties), set(key_mines)
    unique = sorted({c.code: c for c in population}.values(), key=lambda c: c.code)
    full = [
        c.code for c in unique if c.city in cities or c.county in counties or c.code in key_mines
    ]
    rest = [c.code for c in unique if c.code not in set(full)]
    k = math.ceil(len(rest) * ratio)
    sampled = sorted(random.Random(seed).sample(rest, k)) if k else []  # noqa: S311 (not crypto)
    return full, sampled


KEY_MINE, CITY, COUNTY, RATIO = (
    LookbackReason.KEY_MINE.value,
    LookbackReason.CITY.value,
    LookbackReason.COUNTY.value,
    LookbackReason.RATIO.value,
)


@dataclass
class Draw:
    """A look-back sample: ``reasons`` maps each drawn mine's code to why it was drawn, a list
    of ``{"reason": LookbackReason, "region": code or ""}``; ``unvisited`` names the chosen
    cities and key counties without any mine in the population (nothing to visit)."""

    reasons: dict[str, list[dict[str, str]]]
    unvisited: list[str]

    @property
    def full(self) -> list[str]:
        """The mines drawn for full coverage (a key mine, a city's or a key county's visit)."""
        return sorted(
            c for c, why in self.reasons.items() if any(r["reason"] != RATIO for r in why)
        )

    @property
    def sampled(self) -> list[str]:
        """The mines drawn at the ratio only."""
        return sorted(
            c for c, why in self.reasons.items() if all(r["reason"] == RATIO for r in why)
        )


def draw(
    population: Iterable[Candidate],
    *,
    cities: Iterable[str] = (),
    counties: Iterable[str] = (),
    key_mines: Iterable[str] = (),
    ratio: float,
    seed: str,
) -> Draw:
    """六(四) 回头看: “对相关市（州）检查全覆盖、对重点县检查全覆盖、对重点矿山检查全覆盖，其他抽查
    比例由各督导检查组结合实际自行确定。”

    Full coverage of a city or a key county means the group visits it, not that it checks every
    mine there. In this order, with one ``random.Random(seed)``:

    1. every key mine is drawn;
    2. each key county (by code) is visited: by a mine already drawn there if there is one,
       else by one of its mines drawn at random;
    3. each chosen city likewise (a key county's mine visits its city too);
    4. of the mines not yet drawn, ``ceil(ratio × n)`` are drawn at random.

    The same population (in any order), choices and seed always give the same sample."""
    if not 0 <= ratio <= 1:
        raise ValueError("ratio must lie between 0 and 1")
    unique = sorted({c.code: c for c in population}.values(), key=lambda c: c.code)
    rng = random.Random(seed)  # noqa: S311 (a reproducible draw, not a secret)
    reasons: dict[str, list[dict[str, str]]] = {}
    unvisited: list[str] = []
    wanted = set(key_mines)
    for c in unique:
        if c.code in wanted:
            reasons[c.code] = [{"reason": KEY_MINE, "region": ""}]
    for reason, chosen, where in (
        (COUNTY, counties, lambda c: c.county),
        (CITY, cities, lambda c: c.city),
    ):
        for region in sorted(set(chosen)):
            there = [c.code for c in unique if where(c) == region]
            if not there:
                unvisited.append(region)
                continue
            already = [code for code in there if code in reasons]
            code = already[0] if already else rng.choice(there)
            reasons.setdefault(code, []).append({"reason": reason, "region": region})
    rest = [c.code for c in unique if c.code not in reasons]
    k = math.ceil(len(rest) * ratio)
    for code in sorted(rng.sample(rest, k)) if k else []:
        reasons[code] = [{"reason": RATIO, "region": ""}]
    return Draw(reasons=dict(sorted(reasons.items())), unvisited=unvisited)
