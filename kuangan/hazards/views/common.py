"""What the pages of the hazard ledger share."""

from __future__ import annotations

from django.http import HttpRequest

from kuangan.registry.models import Mine


def mine_of_query(request: HttpRequest) -> Mine | None:
    """The mine the ledger is filtered to (``?mine=<id>``), when the user can see it: the one
    whose two lists the ledger offers."""
    mine = request.GET.get("mine", "")
    if not mine.isdigit():
        return None
    return Mine.objects.visible_to(request.user).filter(pk=mine).first()
