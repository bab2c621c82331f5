"""What the models of the hazard ledger share: today's date (the local day). (The queryset of
the rows that belong to a mine is the registry's ``MineScopedQuerySet``.)"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
