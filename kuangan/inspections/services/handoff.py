"""The hand-off of an inspection's findings to the apps that take them over (the hazard
ledger, a higher app): through ``signals.findings_to_hand_over``, never by importing them."""

from __future__ import annotations

from kuangan.core.models import User

from .. import signals
from ..models import Inspection


def inspection_findings_to_hazards(*, by: User, inspection: Inspection) -> int:
    """Hand every 不符合 answer not handed over yet to the apps that take findings over (the
    hazard ledger records each as a hazard draft, prefilled with the mine, the item's content
    and basis, the level and the criterion): ``signals.findings_to_hand_over``. Without a
    receiver the findings stay on the item results. Returns how many were handed over now."""
    responses = signals.findings_to_hand_over.send(sender=Inspection, by=by, inspection=inspection)
    return sum(int(count or 0) for _receiver, count in responses)
