"""Workflows of inspections: one service per transition. Each checks who may do it, validates,
saves and audits in one transaction. Views, the API, imports and the demo call these.

The package by topic: ``checks`` (who may do what, the one door of the transitions),
``creation`` (planning), ``members`` (team and invited experts), ``answers`` (conducting),
``handoff`` (findings to the hazard ledger), ``finishing``, ``self_report`` (the signed report),
``review`` (submission and review), ``reports`` (the inspection report), ``teams`` (the key
inspection's teams and plan) and ``lookback`` (the look-back sample). Callers import from here.
"""

from .answers import (
    Answer,
    inspection_attach,
    inspection_start,
    item_result_record,
    items_record_bulk,
    may_attach_document,
    result_attach,
)
from .checks import (
    ACTION_LABELS,
    CONDUCT_ROLES,
    PLAN_ROLES,
    REGULATOR_ROLES,
    SIGN_ROLES,
    SUBMIT_ROLES,
    is_expert_of,
    may_conduct,
    may_review,
)
from .creation import fill_results, inspection_create, pick_template
from .finishing import commitment_text, figures, inspection_finish, inspection_reopen
from .handoff import inspection_findings_to_hazards
from .lookback import (
    lookback_draw,
    lookback_redraw,
    lookback_rows,
    lookback_unvisited,
    lookback_verify,
)
from .members import EXPERT_DAYS, inspection_add_member, inspection_invite_expert
from .reports import inspection_report_send, inspection_report_update
from .review import (
    inspection_accept,
    inspection_redo,
    inspection_return,
    inspection_submit,
    reviewers_of,
)
from .self_report import (
    Verification,
    canonical_content,
    content_hash,
    self_report_sign,
    self_report_update,
    self_report_verify,
)
from .teams import plan_assign, team_create

__all__ = [
    "ACTION_LABELS",
    "CONDUCT_ROLES",
    "EXPERT_DAYS",
    "PLAN_ROLES",
    "REGULATOR_ROLES",
    "SIGN_ROLES",
    "SUBMIT_ROLES",
    "Answer",
    "Verification",
    "canonical_content",
    "commitment_text",
    "content_hash",
    "figures",
    "fill_results",
    "inspection_accept",
    "inspection_add_member",
    "inspection_attach",
    "inspection_create",
    "inspection_findings_to_hazards",
    "inspection_finish",
    "inspection_invite_expert",
    "inspection_redo",
    "inspection_reopen",
    "inspection_report_send",
    "inspection_report_update",
    "inspection_return",
    "inspection_start",
    "inspection_submit",
    "is_expert_of",
    "item_result_record",
    "items_record_bulk",
    "lookback_draw",
    "lookback_redraw",
    "lookback_rows",
    "lookback_unvisited",
    "lookback_verify",
    "may_attach_document",
    "may_conduct",
    "may_review",
    "pick_template",
    "plan_assign",
    "result_attach",
    "reviewers_of",
    "self_report_sign",
    "self_report_update",
    "self_report_verify",
    "team_create",
]
