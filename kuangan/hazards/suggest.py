"""Criterion suggestion: the major-hazard criteria most similar to a hazard's description, by
character n-gram similarity computed in-process (TF-IDF weighted bigrams and trigrams, cosine),
so that a major hazard is not recorded as general by oversight. No outside service."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from kuangan.checklists.models import MajorHazardCriterion

_RUNS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]+|[0-9.]+")
# Characters that carry no meaning of their own in these texts.
_FILLER = set("的了或和与及等对在是有未按规定进行")
NS = (2, 3)


def grams(text: str) -> Counter:
    """Character bigrams and trigrams of the text's Chinese runs (fillers dropped), plus whole
    Latin words and numbers."""
    counts: Counter = Counter()
    for run in _RUNS.findall(text or ""):
        if not ("\u4e00" <= run[0] <= "\u9fff"):
            counts[run.lower()] += 1
            continue
        chars = "".join(ch for ch in run if ch not in _FILLER)
        for n in NS:
            for i in range(len(chars) - n + 1):
                counts[chars[i : i + n]] += 1
    return counts


@dataclass(frozen=True)
class Suggestion:
    criterion_id: int
    code: str
    score: float


class Index:
    """TF-IDF vectors of a fixed set of documents (criterion id, code, text)."""

    def __init__(self, docs: tuple[tuple[int, str, str], ...]):
        self.docs = docs
        counts = [grams(text) for _, _, text in docs]
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(docs)
        self.idf = {g: math.log((n + 1) / (f + 0.5)) for g, f in df.items()}
        self.vectors = [self._weigh(c) for c in counts]

    def _weigh(self, counts: Counter) -> dict[str, float]:
        vec = {g: (1 + math.log(tf)) * self.idf.get(g, 0.0) for g, tf in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items() if v}

    def query(self, text: str, limit: int = 3) -> list[Suggestion]:
        q = self._weigh(grams(text))
        if not q:
            return []
        scored = []
        for (pk, code, _text), vec in zip(self.docs, self.vectors, strict=True):
            score = sum(w * vec.get(g, 0.0) for g, w in q.items())
            if score > 0:
                scored.append(Suggestion(pk, code, round(score, 4)))
        scored.sort(key=lambda s: (-s.score, s.code))
        return scored[:limit]


@lru_cache(maxsize=32)
def _index(docs: tuple[tuple[int, str, str], ...]) -> Index:
    return Index(docs)


def criterion_text(criterion) -> str:
    return f"{criterion.category} {criterion.wording} {criterion.note}"


def index_for(*, kind: str, on: dt.date) -> Index:
    """The index of the criteria of the standard in force on ``on`` that apply to ``kind``."""
    criteria = MajorHazardCriterion.objects.in_force(on).for_kind(kind).order_by("pk")
    docs = tuple((c.pk, c.code, criterion_text(c)) for c in criteria)
    return _index(docs)


def suggest_criteria(description: str, *, kind: str, on: dt.date, limit: int = 3):
    """The ``limit`` criteria most similar to ``description`` (criterion objects, with a
    ``score`` attribute), best first."""
    hits = index_for(kind=kind, on=on).query(description, limit)
    by_pk = MajorHazardCriterion.objects.select_related("standard").in_bulk(
        [h.criterion_id for h in hits]
    )
    result = []
    for hit in hits:
        criterion = by_pk[hit.criterion_id]
        criterion.score = hit.score
        result.append(criterion)
    return result
