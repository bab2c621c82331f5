"""The hazard ledger is another app: the tests of this app hand findings over to it only where
they ask for it (the ``real_hazards`` fixture); elsewhere no app receives the hand-off
(``signals.findings_to_hand_over``) and the findings stay on the item results."""

import pytest

from kuangan.inspections.signals import findings_to_hand_over


@pytest.fixture
def real_hazards():
    return True


@pytest.fixture(autouse=True)
def _no_hazard_ledger(request, monkeypatch):
    if "real_hazards" in request.fixturenames:
        return
    monkeypatch.setattr(findings_to_hand_over, "receivers", [])
    monkeypatch.setattr(findings_to_hand_over, "sender_receivers_cache", {})
