"""Signals the inspections app sends so that higher apps can act on its records. Inspections
depends on none of those apps: an app that must react connects a receiver in its
``AppConfig.ready()``."""

from __future__ import annotations

from django.dispatch import Signal

findings_to_hand_over = Signal()
"""Sent by ``services.inspection_finish`` (and ``inspection_findings_to_hazards``) inside the
finishing transaction, with ``sender=Inspection`` and the keyword arguments ``by`` (who
finishes) and ``inspection``. A receiver takes over the inspection's 不符合 (non-compliant)
findings it has not taken over yet (the hazard ledger records each as a hazard, linked to its
item result) and returns how many it took over now. An exception rolls the finishing back.
Without a receiver the findings stay on the item results."""
