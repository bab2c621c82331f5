"""The core app's views, one module per topic; the shared bases (object page, step and form
views) are in ``bases`` and ``forms`` and are what other apps build on."""

from .account import (  # noqa: F401
    home,
    notification_open,
    notifications,
    profile,
)
from .attachments import (  # noqa: F401
    attachment_download,
    attachment_upload,
)
from .audit_log import (  # noqa: F401
    AuditLedger,
    audit_changes_text,
    audit_verify,
)
from .auth import (  # noqa: F401
    LoginView,
    OTPSetupView,
    OTPVerifyView,
    PasswordChangeView,
    lockout_response,
    logout_view,
)
from .bases import (  # noqa: F401
    ObjectPageView,
    ScopedMixin,
    action_label,
    file_response,
    get_visible_or_404,
    object_history,
    posted_version,
)
from .errors import (  # noqa: F401
    audit_denial,
    error_403,
    error_404,
    error_500,
)
from .forms import ObjectFormView  # noqa: F401
from .organizations import (  # noqa: F401
    OrganizationFormView,
    OrganizationJurisdictionView,
    OrganizationLedger,
    OrganizationPage,
)
from .password_resets import (  # noqa: F401
    PasswordResetActionView,
    PasswordResetConfirmView,
    PasswordResetLedger,
    PasswordResetPage,
)
from .security import (  # noqa: F401
    role_overview,
    security_policy,
    visible_access_attempts,
)
from .steps import (  # noqa: F401
    ObjectStepSwitch,
    ObjectStepView,
    is_htmx,
)
from .users import (  # noqa: F401
    UserActionView,
    UserFormView,
    UserLedger,
    UserPage,
    UserRolesView,
)
