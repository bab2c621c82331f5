"""Request id and audit context; session policy (absolute lifetime, forced password change,
password rotation, second factor)."""

from __future__ import annotations

import ipaddress
import time
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from . import audit
from .services import mfa_required, password_expired


def client_ip(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``KUANGAN_PROXY_COUNT`` proxies the
    address the first of them saw in ``X-Forwarded-For``. The audit log and the login lockout
    (``AXES_CLIENT_IP_CALLABLE``) both use it."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    raw = request.META.get("REMOTE_ADDR", "")
    if settings.AXES_IPWARE_PROXY_COUNT and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if parts:
            raw = (
                parts[-settings.AXES_IPWARE_PROXY_COUNT]
                if len(parts) >= settings.AXES_IPWARE_PROXY_COUNT
                else parts[0]
            )
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = uuid.uuid4().hex
        token = audit.set_request_meta(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            request_id=request.id,
        )
        try:
            response = self.get_response(request)
        finally:
            audit.reset_request_meta(token)
        response["X-Request-ID"] = request.id
        return response


class ApiNoStoreMiddleware:
    """Every API response is ``Cache-Control: no-store`` (with ``private``, ``no-cache``): no
    browser or proxy keeps a copy of the data, a refusal or a document."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            add_never_cache_headers(response)
        return response


# Pages a signed-in user may reach before passing the checks below.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/public/")


class SessionPolicyMiddleware:
    """For a user signed in by session: the absolute session lifetime, a forced password
    change (first login of a created account, or the rotation period passed) and the second
    factor. Pages redirect; the API (used with the browser's session) answers a JSON 401/403,
    so a session that has not passed the second factor cannot reach data through the API
    either. (The idle timeout is the session's own expiry: ``SESSION_COOKIE_AGE``, renewed on
    every request.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _api_refusal(status: int, code: str, message) -> JsonResponse:
        return JsonResponse(
            {"error": {"code": code, "message": str(message), "fields": {}}}, status=status
        )

    def _check(self, request, user):

        api = request.path.startswith("/api/")
        now = time.time()
        started = request.session.setdefault("kuangan_login_at", now)
        # A temporary account (an invited expert's) ends its sessions when it ends.
        if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600 or user.has_expired:
            logout(request)
            if api:
                return self._api_refusal(
                    401, "session_expired", _("Your session has ended. Log in again.")
                )
            return redirect(f"{reverse('core:login')}?expired=1")
        if api:
            if user.must_change_password or password_expired(user):
                return self._api_refusal(
                    403,
                    "password_change_required",
                    _("The password must be changed first: change it in the web interface."),
                )
            if getattr(user, "otp_device", None) is None and (
                _has_device(user) or mfa_required(user)
            ):
                return self._api_refusal(
                    403,
                    "second_factor_required",
                    _("Pass the second factor in the web interface first."),
                )
            return None
        allowed = {
            reverse("core:logout"),
            reverse("core:password_change"),
            reverse("core:otp_verify"),
            reverse("core:otp_setup"),
        }
        if request.path in allowed:
            return None
        if user.must_change_password or password_expired(user):
            return redirect("core:password_change")
        if getattr(user, "otp_device", None) is None:
            if _has_device(user):
                return redirect(
                    f"{reverse('core:otp_verify')}?{urlencode({'next': request.get_full_path()})}"
                )
            if mfa_required(user):
                return redirect("core:otp_setup")
        return None


def _has_device(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)
