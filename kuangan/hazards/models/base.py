"""What the models of the hazard ledger share: today's date (the local day), and the queryset
of the rows that belong to a mine (scoped through the mine's region and enterprise)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kuangan.core.scope import ScopedQuerySet


def today() -> dt.date:
    return timezone.localdate()


class MineScopedQuerySet(ScopedQuerySet):
    """Rows of one mine each: visible where the mine is."""

    scope_region = "mine__region"
    scope_enterprise = "mine__enterprise"
