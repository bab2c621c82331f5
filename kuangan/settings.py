"""Settings for Kuang'an. One settings module: production is the same file plus environment
variables (see README, "Settings"). With nothing set, a safe local default: SQLite under ./data,
DEBUG off, a secret key generated once into the data folder."""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"KUANGAN_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


# Under pytest (or KUANGAN_TESTING=1): static files from the finders, tasks run immediately.
TESTING = env_bool("TESTING", "pytest" in sys.modules)

DATA_DIR = Path(env("DATA_DIR", str(REPO_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "kuangan.core",
    "kuangan.registry",
    "kuangan.campaigns",
    "kuangan.checklists",
    "kuangan.inspections",
    "kuangan.hazards",
]

MIDDLEWARE = [
    "kuangan.core.middleware.RequestIdMiddleware",
    "kuangan.core.middleware.ApiNoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kuangan.core.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kuangan.urls"
WSGI_APPLICATION = "kuangan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "kuangan.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL, synchronous=FULL, foreign keys, IMMEDIATE transactions) by default; any
# database URL in KUANGAN_DATABASE_URL otherwise (postgres://user@host:5432/name).
_database_url = env("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "kuangan.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security policy (等保 level 3 profile by default) --------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
_hashers = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if env_bool("PASSWORD_SM3", False):
    _hashers.insert(0, "kuangan.core.crypto.PBKDF2SM3PasswordHasher")
PASSWORD_HASHERS = _hashers

# Password policy. The defaults meet 等保 level 3 (GB/T 22239-2019 8.1.4.1 a: complexity and
# periodic change); each is an environment variable:
#   KUANGAN_PASSWORD_MIN_LENGTH    minimum length (default 10)
#   KUANGAN_PASSWORD_MIN_CLASSES   how many of the 4 classes (upper, lower, digit, symbol) must
#                                  appear (default 3)
#   KUANGAN_PASSWORD_HISTORY       how many previous passwords cannot be reused (default 5)
#   KUANGAN_PASSWORD_MAX_AGE_DAYS  rotation: after this many days the user must set a new
#                                  password before doing anything else (default 90; 0 = never)
# Common passwords (Django's list and common Chinese ones), runs of 4 characters in sequence or
# repeated (1234, abcd, qwer, aaaa) and passwords like the user's name are refused too. An
# account created or reset by an administrator must change its password at first login.
# Changing the password ends the user's other sessions and revokes its API tokens.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)  # 0 = no rotation
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "kuangan.core.passwords.ChineseCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kuangan.core.passwords.SequenceValidator"},  # no 1234, abcd, 4321, aaaa
    {
        "NAME": "kuangan.core.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {
        "NAME": "kuangan.core.passwords.PasswordHistoryValidator",
        "OPTIONS": {"history": PASSWORD_HISTORY},
    },
]

# django-axes: 5 failures of an account, from any addresses, lock its logins from every address
# it has not logged in from before for 30 minutes; from an address it has logged in from, only
# that address's failures count (so nobody can lock the owner out). Never an address alone: one
# person behind a shared address cannot lock everyone out. Every lockout is audited
# (KUANGAN_LOGIN_FAILURE_LIMIT, KUANGAN_LOGIN_COOLOFF_MINUTES). The API token endpoint counts
# toward the same limit. The security administrator can unlock an account at once. The client
# address is the audit log's (core.middleware.client_ip, KUANGAN_PROXY_COUNT).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = "kuangan.core.lockout.lockout_parameters"
AXES_CLIENT_IP_CALLABLE = "kuangan.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
# The lock lasts the cool-off time from the lockout: attempts while locked do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kuangan.core.views.lockout_response"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_VERBOSE = False

# Sessions: idle timeout (KUANGAN_SESSION_IDLE_MINUTES, default 30; the session's expiry,
# renewed on each request) and an absolute lifetime (KUANGAN_SESSION_ABSOLUTE_HOURS, default 8,
# enforced by core.middleware.SessionPolicyMiddleware). Deactivating an account ends its
# sessions and revokes its API tokens.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 8)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Second factor: TOTP through django-otp; mandatory for the listed roles when MFA_REQUIRED is on
# (KUANGAN_MFA_REQUIRED=1 in the production profile; off for the demo). A user who enrolled a
# device is always asked for a code, whatever the setting.
# Every role by default (accounts without a role, such as invited experts', always).
MFA_REQUIRED = env_bool("MFA_REQUIRED", False)
MFA_REQUIRED_ROLES = env_list(
    "MFA_REQUIRED_ROLES",
    "province_admin,regulator_leader,regulator_inspector,enterprise_principal,"
    "enterprise_safety_officer,group_inspector,agency_user,government_user,system_admin,"
    "security_admin,audit_admin",
)
# A password reset approved by the security administrator sends the user a one-time link,
# valid for this many hours (KUANGAN_PASSWORD_RESET_HOURS).
PASSWORD_RESET_HOURS = env_int("PASSWORD_RESET_HOURS", 24)
# Messages live in the session (server side), never in a readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
OTP_TOTP_ISSUER = "矿安 Kuang'an"

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# HTTPS in production: KUANGAN_SECURE=1 turns on secure cookies, HSTS and the redirect.
SECURE = env_bool("SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
if SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp 4): everything from this server, scripts by nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# --- Audit ----------------------------------------------------------------------------------
# The chain is keyed: HMAC with the algorithm below ("sha256", default, or "sm3" for national
# cryptography), under a key kept outside the database (KUANGAN_AUDIT_KEY, or the file
# DATA_DIR/audit_key generated on first use). See core/audit.py.
AUDIT_HASH_ALGORITHM = env("AUDIT_HASH_ALGORITHM", "sha256")
AUDIT_KEY = env("AUDIT_KEY", "")
AUDIT_KEY_FILE = DATA_DIR / "audit_key"
# The chain's head is anchored outside the database, in an append-only file: by `kuangan
# audit-anchor` (a timer) and after a commit when the last anchor is older than this many
# minutes (0: after every commit; negative: only the command; tests: only when they ask).
AUDIT_ANCHOR_FILE = DATA_DIR / "audit-anchor.log"
AUDIT_ANCHOR_MINUTES = env_int("AUDIT_ANCHOR_MINUTES", -1 if TESTING else 10)
# An out-of-scope lookup (a 404 for an object that exists elsewhere) is audited at most once per
# user and object in this many minutes.
AUDIT_SCOPE_DENIED_MINUTES = env_int("AUDIT_SCOPE_DENIED_MINUTES", 10)

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/media-not-served/"
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 20) * 1024 * 1024
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 50_000_000)
UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("UPLOAD_MAX_UNCOMPRESSED_MB", 200) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": env("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if TESTING:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- Backup ---------------------------------------------------------------------------------
# `kuangan backup` / `restore` on PostgreSQL run pg_dump and pg_restore: from this folder, else
# from the PATH, else the newest /usr/lib/postgresql/*/bin.
PG_BIN = env("PG_BIN", "")

# --- Static assets (built from node_modules into kuangan/static/vendor, never a CDN) --------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # kuangan/static/vendor, built by scripts/build_assets.py
STATIC_ROOT = Path(env("STATIC_ROOT", str(REPO_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = TESTING

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project's catalogue (base.html, settings), then each Kuang'an app's own: listed here they
# take precedence over the catalogues of Django's apps (the admin translates "Filter",
# "History", "Log out" in its own way).
LOCALE_PATHS = [BASE_DIR / "locale", *sorted(p for p in BASE_DIR.glob("*/locale") if p.is_dir())]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- API ------------------------------------------------------------------------------------
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
# The longest text a form or the API accepts in a field without a limit of its own (a
# description, a note): KUANGAN_TEXT_MAX_LENGTH characters.
TEXT_MAX_LENGTH = env_int("TEXT_MAX_LENGTH", 5000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kuangan.core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kuangan.core.authentication.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "kuangan.core.api.exception_handler",
    # Every text cleaned and held to TEXT_MAX_LENGTH; deep JSON refused (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "kuangan.core.parsers.JSONParser",
        "kuangan.core.parsers.FormParser",
        "kuangan.core.parsers.MultiPartParser",
    ],
    # drf-spectacular's, documenting every error response and nullable read-only fields.
    "DEFAULT_SCHEMA_CLASS": "kuangan.core.schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "矿安 Kuang'an API",
    "DESCRIPTION": "Mine-safety comprehensive rectification campaign system.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for signed-in users only (ASVS 13.4.5).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets named once, so that several apps' "kind" and "level" fields do not collide
    # (apps add theirs here: "<Name>Enum": "kuangan.<app>.choices.<Class>").
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "kuangan.core.choices.OrganizationKind",
        "RegionLevelEnum": "kuangan.core.choices.RegionLevel",
        "RegulatorAgencyEnum": "kuangan.core.choices.RegulatorAgency",
        "RoleEnum": "kuangan.core.choices.Role",
        "MineKindEnum": "kuangan.registry.choices.MineKind",
        "LicenceKindEnum": "kuangan.registry.choices.LicenceKind",
        "PhaseKindEnum": "kuangan.campaigns.choices.PhaseKind",
        "PriorityLevelEnum": "kuangan.campaigns.choices.PriorityLevel",
        "InspectionKindEnum": "kuangan.inspections.choices.InspectionKind",
        "TeamLevelEnum": "kuangan.inspections.choices.TeamLevel",
        "HazardLevelEnum": "kuangan.hazards.choices.HazardLevel",
        "OrderKindEnum": "kuangan.hazards.choices.OrderKind",
        "OutcomeEnum": "kuangan.inspections.choices.Outcome",
        "ReinspectionOutcomeEnum": "kuangan.hazards.choices.ReinspectionOutcome",
        "RiskLevelEnum": "kuangan.hazards.choices.RiskLevel",
        "ControlLevelEnum": "kuangan.hazards.choices.ControlLevel",
    },
}

# --- Tasks ----------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        )
    }
}

# --- Mail (optional) -----------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "kuangan@localhost")

# --- Demo -----------------------------------------------------------------------------------
DEMO_PASSWORD_DEFAULT = "Kuangan#2026demo"  # noqa: S105 (printed demo password)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# Names of the pages in the navigation, translated (kept here so makemessages sees them).
SITE_NAME = _("Kuang'an mine safety")
KUANGAN_API_MODULES = [
    "kuangan.registry.api",
    "kuangan.registry.api_io",
    "kuangan.registry.api_requests",
    "kuangan.campaigns.api",
    "kuangan.checklists.api",
    "kuangan.inspections.api",
    "kuangan.hazards.api",
]
