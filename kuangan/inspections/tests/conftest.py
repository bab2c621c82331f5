"""The hazard ledger is another app: the tests of this app hand findings over to it only where
they ask for it (the ``real_hazards`` fixture); elsewhere the hand-off finds no service and the
findings stay on the item results."""

import sys
import types

import pytest


@pytest.fixture
def real_hazards():
    return True


@pytest.fixture(autouse=True)
def _no_hazard_ledger(request, monkeypatch):
    if "real_hazards" in request.fixturenames:
        return
    monkeypatch.setitem(sys.modules, "kuangan.hazards.services", types.ModuleType("no_hazards"))
