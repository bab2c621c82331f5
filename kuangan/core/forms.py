from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .models import Organization, Region
from .ownership import editable_fields, ownership_of
from .text import clean_form_data, text_max_length
from .validators import validate_phone


def style_form(form):
    """Give every widget of ``form`` its Tabler/Bootstrap class."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple | forms.NullBooleanSelect):
            css = "form-select"
            if isinstance(widget, forms.NullBooleanSelect) and not field.required:
                # A yes/no filter left empty means "all", not "unknown".
                widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
        else:
            css = "form-control"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
    return form


def apply_errors(form, exc) -> None:
    """Put a service's ValidationError on ``form``: field errors on their fields (or on the
    form when the field is not in it), other errors on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class DateInput(forms.DateInput):
    """The browser's date picker (an ``<input type="date">``, whose value is ISO 8601)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_widgets(*names: str) -> dict[str, DateInput]:
    """``Meta.widgets`` of a model form: the date picker for each of the date fields ``names``."""
    return {name: DateInput() for name in names}


def limit_texts(form) -> None:
    """Hold every text field of ``form`` without a length limit of its own (a model's
    ``TextField``, a plain ``CharField``) to ``TEXT_MAX_LENGTH`` characters."""
    limit = text_max_length()
    for field in form.fields.values():
        if (
            isinstance(field, forms.CharField)
            and not isinstance(field, forms.JSONField)
            and field.max_length is None
        ):
            field.max_length = limit
            field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs.setdefault("maxlength", str(limit))


class CleanTextForm:
    """A form whose texts are cleaned (``core.text.clean_text``: no control characters, ``\n``
    line ends) and held to ``TEXT_MAX_LENGTH`` when they have no limit of their own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = clean_form_data(self.data)
        limit_texts(self)


class StyledForm(CleanTextForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or password is wrong. After %(limit)s failures in a row the account is "
            "locked for %(minutes)s minutes."
        ),
        "inactive": _("This account is disabled. Ask your system administrator."),
        "expired": _("This temporary account has ended (the invitation is over)."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.has_expired:
            raise forms.ValidationError(self.error_messages["expired"], code="expired")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


class PasswordSetForm(StyledForm, forms.Form):
    """The new password, set by the user through a one-time link."""

    new_password1 = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class PasswordChangeForm(PasswordSetForm):
    """The user's own change: the current password, then the new one twice."""

    old_password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class OTPTokenForm(StyledForm, forms.Form):
    otp_token = forms.CharField(
        label=_("Verification code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class OrganizationForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "kind",
            "agency",
            "name",
            "region",
            "parent",
            "jurisdiction",
            "credit_code",
            "address",
            "legal_representative",
            "principal",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.all()
        self.fields["jurisdiction"].queryset = Region.objects.exclude(level="county")
        if user is not None:
            self.fields["parent"].queryset = Organization.objects.visible_to(user)
        self.fields["jurisdiction"].widget.attrs["size"] = 8
        if user is not None and not user.has_perm("core.change_jurisdiction"):
            # Only the security administrator sets the jurisdiction (its own page).
            del self.fields["jurisdiction"]


class JurisdictionForm(StyledForm, forms.ModelForm):
    """The regions an organisation governs: the security administrator's page."""

    class Meta:
        model = Organization
        fields = ["jurisdiction"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Region.objects.exclude(level="county")
        self.fields["jurisdiction"].widget.attrs["size"] = 12


class UserForm(StyledForm, forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[A-Za-z0-9_.@-]{3,150}$",
        error_messages={
            "invalid": _("Use 3 to 150 letters, digits and the characters _ . @ - only.")
        },
    )
    real_name = forms.CharField(label=_("Real name"), max_length=64)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, validators=[validate_phone]
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The system, security and audit administrator roles exclude every other role."),
    )

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["organization"].queryset = Organization.objects.visible_to(user)
            if not user.has_perm("core.assign_roles"):
                # 三员分立: only the security administrator grants roles, after the account
                # is created (the account page, Roles).
                del self.fields["roles"]
        if editing:
            del self.fields["username"]
            self.fields.pop("roles", None)


class RolesForm(StyledForm, forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class AttachmentForm(StyledForm, forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


def apply_ownership(form: forms.BaseForm, user: Any, model: Any, obj: Any) -> None:
    """Show read-only the fields of ``form`` that ``user``'s side does not own on ``obj`` (a new
    ``model`` when None), saying whose they are (``core.ownership``); a disabled field keeps the
    value the object has, so the service sees no change of it."""
    declared = ownership_of(model)
    if declared is None:
        return
    names = [n for n in form.fields if n in declared.declared]
    editable = editable_fields(user, model, obj, names)
    for name in names:
        if name in editable:
            continue
        field = form.fields[name]
        field.disabled = True
        why = declared.refusal(user, obj if obj is not None else model, name)
        if why:
            field.help_text = why


class PasswordResetRequestForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Why the user needs a new password (the approver reads it)."),
    )


class PasswordResetDecisionForm(StyledForm, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
