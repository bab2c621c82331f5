"""Evidence of a hazard: photos or documents showing it before and after rectification."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.files import attachment_add
from kuangan.core.models import User
from kuangan.core.services import require_perm

from ..choices import EvidenceStage
from ..models import Hazard, HazardEvidence
from .common import not_closed, require_hazard_visible


def hazard_add_evidence(
    *, by: User, hazard: Hazard, uploaded_file: UploadedFile, stage: str
) -> HazardEvidence:
    """Attach a photo or document showing the hazard before or after rectification."""
    require_perm(by, "hazards.change_hazard", hazard)
    require_hazard_visible(by, hazard, "hazards.change_hazard")
    if stage not in EvidenceStage.values:
        raise ValidationError({"stage": [_("Choose before or after rectification.")]})
    not_closed(hazard)
    with transaction.atomic():
        attachment = attachment_add(
            by=by,
            target=hazard,
            uploaded_file=uploaded_file,
            description=str(EvidenceStage(stage).label),
        )
        evidence = HazardEvidence.objects.create(hazard=hazard, attachment=attachment, stage=stage)
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=hazard,
            changes={"evidence": [None, f"{stage}: {attachment.original_name}"]},
        )
    return evidence
