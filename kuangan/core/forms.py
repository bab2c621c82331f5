from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from .choices import ADMIN_ROLES, Role
from .models import Organization, Region


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


class StyledForm:
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
    }

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


class PasswordChangeForm(StyledForm, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
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


class UserForm(StyledForm, forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[A-Za-z0-9_.@-]{3,150}$",
        error_messages={
            "invalid": _("Use 3 to 150 letters, digits and the characters _ . @ - only.")
        },
    )
    real_name = forms.CharField(label=_("Real name"), max_length=64)
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9+\- ]{5,32}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number of digits.")},
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
                # Only the security administrator grants the administrator roles.
                self.fields["roles"].choices = [
                    (code, label) for code, label in Role.choices if code not in ADMIN_ROLES
                ]
        if editing:
            del self.fields["username"]
            del self.fields["roles"]


class RolesForm(StyledForm, forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class AttachmentForm(StyledForm, forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
