from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .. import services
from ..home import panels_for
from ..models import ApiToken, Notification

# --- Home, profile, notifications ----------------------------------------------------------


@login_required
def home(request):
    return render(request, "core/home.html", {"panels": panels_for(request.user)})


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "create_token":
            token, key = services.token_create(user=user, name=request.POST.get("name", ""))
            messages.warning(
                request,
                _("New API token (shown only once, copy it now): %(key)s") % {"key": key},
            )
        elif request.POST.get("action") == "revoke_token":
            token = get_object_or_404(ApiToken, pk=request.POST.get("token"), user=user)
            services.token_revoke(by=user, token=token)
            messages.success(request, _("The token has been revoked."))
        return redirect("core:profile")
    return render(
        request,
        "core/profile.html",
        {
            "tokens": ApiToken.objects.filter(user=user)[:50],
            "has_otp": user_has_device(user, confirmed=True),
            "now": timezone.now(),
        },
    )


@login_required
def notifications(request):
    qs = Notification.objects.for_user(request.user)
    if request.method == "POST":
        qs.unread().update(read_at=timezone.now())
        return redirect("core:notifications")
    from django.core.paginator import Paginator

    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    note = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    target = (
        note.url
        if note.url and url_has_allowed_host_and_scheme(note.url, {request.get_host()})
        else reverse("core:notifications")
    )
    return redirect(target)
