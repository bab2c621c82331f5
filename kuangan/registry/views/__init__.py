"""Registry pages: the mine ledger and map, the mine page, enterprise and group pages, watch
duty. Every queryset starts from ``visible_to(user)``; writes go through ``services``."""

from .enterprises import EnterpriseFormView, EnterpriseLedger, EnterprisePage
from .mines import MineFormView, MineLedger, MineMapView, MinePage, mine_map_data
from .requests import (
    ApproveView,
    ChangeRequestFormView,
    ChangeRequestLedger,
    ChangeRequestPage,
    RejectView,
    WithdrawView,
)
from .watch import WatchDutyFormView, WatchDutyLedger, WatchDutyPage, WatchLedger

__all__ = [
    "ApproveView",
    "ChangeRequestFormView",
    "ChangeRequestLedger",
    "ChangeRequestPage",
    "RejectView",
    "WithdrawView",
    "EnterpriseFormView",
    "EnterpriseLedger",
    "EnterprisePage",
    "MineFormView",
    "MineLedger",
    "MineMapView",
    "MinePage",
    "WatchDutyFormView",
    "WatchDutyLedger",
    "WatchDutyPage",
    "WatchLedger",
    "mine_map_data",
]
