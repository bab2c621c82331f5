from __future__ import annotations

import base64
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import audit, services
from ..choices import AuditAction
from ..forms import (
    LoginForm,
    OTPTokenForm,
    PasswordChangeForm,
)
from ..models import User

# --- Authentication -------------------------------------------------------------------------


def lockout_response(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed logins: this account is locked for %(minutes)d minutes. Try again "
        "later or ask your security administrator to unlock it."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429
        )
    return render(
        request,
        "core/login.html",
        {"form": LoginForm(request), "locked_message": message},
        status=429,
    )


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["expired"] = "expired" in self.request.GET
        return ctx

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session["kuangan_login_at"] = timezone.now().timestamp()
        # The login signal has just moved this login's time and address into "previous".
        user = User.objects.only("previous_login_at", "previous_login_ip").get(
            pk=form.get_user().pk
        )
        if user.previous_login_at:
            messages.info(
                self.request,
                _("Your last login was at %(at)s from %(ip)s.")
                % {
                    "at": timezone.localtime(user.previous_login_at).strftime("%Y-%m-%d %H:%M"),
                    "ip": user.previous_login_ip or "-",
                },
            )
        else:
            messages.info(self.request, _("This is the first login of this account."))
        return response


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("core:login")


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "core/password_change.html"
    form_class = PasswordChangeForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["forced"] = user.must_change_password
        ctx["expired"] = services.password_expired(user)
        return ctx

    def form_valid(self, form):
        user = self.request.user
        try:
            services.user_change_password(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                keep_session_key=self.request.session.session_key,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    known = field in form.fields and field != "__all__"
                    form.add_error(field if known else "new_password1", errors)
            else:  # the policy validators' messages
                form.add_error("new_password1", exc.messages)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect("core:home")

    def form_invalid(self, form):
        return super().form_invalid(form)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


class OTPVerifyView(LoginRequiredMixin, FormView):
    template_name = "core/otp_verify.html"
    form_class = OTPTokenForm

    def form_valid(self, form):
        device = match_token(self.request.user, form.cleaned_data["otp_token"].strip())
        if device is None:
            audit.record(
                actor=self.request.user,
                action=AuditAction.OTP_FAILED,
                obj=self.request.user,
                success=False,
            )
            form.add_error(
                "otp_token", _("The code is wrong or has expired. Enter the current code.")
            )
            return self.form_invalid(form)
        otp_login(self.request, device)
        return HttpResponseRedirect(_safe_next(self.request, reverse("core:home")))


class OTPSetupView(LoginRequiredMixin, FormView):
    """Enrol a TOTP device. A user who already has a confirmed device must first pass it in
    this session: otherwise a stolen password alone could enrol a second device."""

    template_name = "core/otp_setup.html"
    form_class = OTPTokenForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and user_has_device(user, confirmed=True)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('core:otp_verify')}?next={reverse('core:otp_setup')}")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice:
        user = self.request.user
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
        return device

    def get_context_data(self, **kwargs):
        import qrcode
        import qrcode.image.svg

        ctx = super().get_context_data(**kwargs)
        device = self.device()
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buffer = io.BytesIO()
        image.save(buffer)
        ctx["qr_data_uri"] = (
            "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
        )
        ctx["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
        ctx["already"] = user_has_device(self.request.user, confirmed=True)
        ctx["required"] = services.mfa_required(self.request.user)
        return ctx

    def form_valid(self, form):
        device = self.device()
        if not device.verify_token(form.cleaned_data["otp_token"].strip()):
            form.add_error(
                "otp_token",
                _("The code does not match. Check the time on your phone and try again."),
            )
            return self.form_invalid(form)
        device.confirmed = True
        device.save()
        otp_login(self.request, device)
        audit.record(
            actor=self.request.user, action=AuditAction.OTP_ENROLLED, obj=self.request.user
        )
        messages.success(
            self.request,
            _("The second factor is set up. You will be asked for a code at each login."),
        )
        return redirect("core:profile")
