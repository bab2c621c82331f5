from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import audit, files
from ..choices import AuditAction
from ..forms import (
    AttachmentForm,
)
from ..models import Attachment

# --- Files ----------------------------------------------------------------------------------


def _target_for(user, content_type_id: int, object_id: str):
    """The object a file belongs to, looked up through its model's visible_to (404 outside)."""
    ct = get_object_or_404(ContentType, pk=content_type_id)
    model = ct.model_class()
    if model is None or not hasattr(model.objects, "visible_to"):
        raise Http404
    return get_object_or_404(model.objects.visible_to(user), pk=object_id)


@login_required
@require_POST
def attachment_upload(request, content_type_id: int, object_id: str):
    target = _target_for(request.user, content_type_id, object_id)
    perm = f"{target._meta.app_label}.change_{target._meta.model_name}"
    if not request.user.has_perm(perm):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    back = request.POST.get("next") or "/"
    back = back if url_has_allowed_host_and_scheme(back, {request.get_host()}) else "/"
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(back)
    try:
        files.attachment_add(
            by=request.user,
            target=target,
            uploaded_file=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("File uploaded."))
    return redirect(back)


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    _target_for(request.user, attachment.content_type_id, attachment.object_id)
    audit.record(actor=request.user, action=AuditAction.FILE_DOWNLOADED, obj=attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.mime_type.startswith("image/")
        and attachment.mime_type != "application/pdf",
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response
