"""The only settings module. Every value comes from an environment variable with a safe
default; docs/configuration.md lists them all. Bad values stop the start with a message."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from dissent.lib.env import SettingError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

try:
    DEBUG = env_bool("DISSENT_DEBUG", False)
    # `dissent demo` sets this: a local, throw-away installation on http://localhost.
    DEMO = env_bool("DISSENT_DEMO", False)
    DATA_DIR = Path(env_str("DISSENT_DATA_DIR", str(BASE_DIR / "var"))).resolve()
    HTTPS = env_bool("DISSENT_HTTPS", not (DEBUG or DEMO))
    _secret = env_str("DISSENT_SECRET_KEY")
    _base_url = env_str("DISSENT_BASE_URL", "" if HTTPS else "http://localhost:8000")
    ALLOWED_HOSTS = env_list("DISSENT_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    TIME_ZONE = env_str("DISSENT_TIME_ZONE", "America/New_York")
    ORGANIZATION_NAME = env_str("DISSENT_ORGANIZATION_NAME", "Example Agency")
    FILING_ROLES = env_list("DISSENT_FILING_ROLES", ["staff"])
    FILING_CATEGORIES = env_list("DISSENT_FILING_CATEGORIES", ["employee"])
    MARKING_CEILING = env_choice("DISSENT_MARKING_CEILING", ["u", "sbu", "cui"], "cui").upper()
    # Review deadlines: "state" (2 FAM 070, working days) or "eu" (Directive 2019/1937).
    DEADLINE_PROFILE = env_choice("DISSENT_DEADLINE_PROFILE", ["state", "eu"], "state")
    _database_url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'dissent.sqlite3'}")
    _log_level = env_choice(
        "DISSENT_LOG_LEVEL", ["debug", "info", "warning", "error"], "info"
    ).upper()
    _oidc_server = env_str("DISSENT_OIDC_SERVER_URL")
    _oidc_client = env_str("DISSENT_OIDC_CLIENT_ID")
    _oidc_secret = env_str("DISSENT_OIDC_CLIENT_SECRET")
    _oidc_name = env_str("DISSENT_OIDC_NAME", "Single sign-on")
    _oidc_create = env_bool("DISSENT_OIDC_CREATE_USERS", True)
    _trust_proxy = env_bool("DISSENT_TRUST_X_FORWARDED_PROTO", False)
    _hsts_seconds = env_int("DISSENT_HSTS_SECONDS", 31536000, minimum=0)
    _session_hours = env_int("DISSENT_SESSION_HOURS", 12, minimum=1, maximum=24 * 30)
    _email_backend = env_choice("DISSENT_EMAIL", ["console", "smtp", "memory"], "console")
    DEFAULT_FROM_EMAIL = env_str("DISSENT_EMAIL_FROM", "dissent-channel@localhost")
    EMAIL_HOST = env_str("DISSENT_SMTP_HOST", "localhost")
    EMAIL_PORT = env_int("DISSENT_SMTP_PORT", 25, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("DISSENT_SMTP_USER")
    EMAIL_HOST_PASSWORD = env_str("DISSENT_SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("DISSENT_SMTP_STARTTLS", False)
    # Keys the pseudonyms and payload MACs in log leaves (dissent.ledger.leaf); empty: derived
    # from the secret key. Changing it later makes old leaves unverifiable: set it once.
    LEDGER_PSEUDONYM_KEY = env_str("DISSENT_LEDGER_PSEUDONYM_KEY")
    # Signed checkpoints and witnesses (dissent.ledger.checkpoints). No signing key: the log
    # still records, but refuses to sign checkpoints until one is set (demo/debug make one).
    LEDGER_ORIGIN = env_str("DISSENT_LEDGER_ORIGIN")
    LEDGER_SIGNING_KEY = env_str("DISSENT_LEDGER_SIGNING_KEY")
    LEDGER_WITNESS_KEYS = env_list("DISSENT_LEDGER_WITNESS_KEYS")
    LEDGER_CHECKPOINT_SECONDS = env_int(
        "DISSENT_LEDGER_CHECKPOINT_SECONDS", 60, minimum=0, maximum=86400
    )
    API_TOKEN_DAYS = env_int("DISSENT_API_TOKEN_DAYS", 90, minimum=1, maximum=3650)
    _login_throttle = env_str("DISSENT_LOGIN_THROTTLE", "10/m/ip,5/5m/key")
    # Roles that may do nothing but set up MFA until they have it (RequireMFAMiddleware).
    MFA_REQUIRED_ROLES = env_list(
        "DISSENT_MFA_REQUIRED_ROLES",
        ["review_officer", "office_head", "principal", "auditor", "admin"],
    )
except SettingError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# Kept in step with dissent.accounts.roles (a test compares them). A misspelt role in these
# lists would silently drop MFA for that role, or let the wrong people file: refuse it.
_ROLES = ["staff", "review_officer", "office_head", "principal", "auditor", "admin"]
_EMPLOYMENTS = ["employee", "contractor", "local_staff", "other"]
for _name, _values, _known in (
    ("DISSENT_MFA_REQUIRED_ROLES", MFA_REQUIRED_ROLES, _ROLES),
    ("DISSENT_FILING_ROLES", FILING_ROLES, _ROLES),
    ("DISSENT_FILING_CATEGORIES", FILING_CATEGORIES, _EMPLOYMENTS),
):
    _unknown = [value for value in _values if value not in _known]
    if _unknown:
        raise ImproperlyConfigured(
            f"{_name} names unknown values {_unknown}: use some of {', '.join(_known)}"
        )
# Malformed log keys stop the start (a missing signing key does not: see above).
try:
    from dissent.ledger.keys import check_origin, parse_configured_signer, parse_witness_keys

    if LEDGER_ORIGIN:
        check_origin(LEDGER_ORIGIN)
    if LEDGER_SIGNING_KEY:
        parse_configured_signer(LEDGER_SIGNING_KEY)
    parse_witness_keys(LEDGER_WITNESS_KEYS, "DISSENT_LEDGER_WITNESS_KEYS")
except SettingError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# allauth's rate syntax, e.g. "10/m/ip,5/5m/key"; an empty value would switch throttling off.
if not re.fullmatch(
    r"\d+/\d*[smhd](/(ip|key|user))?(,\s*\d+/\d*[smhd](/(ip|key|user))?)*", _login_throttle.strip()
):
    raise ImproperlyConfigured(
        f"DISSENT_LOGIN_THROTTLE={_login_throttle!r} must be rates like 10/m/ip,5/5m/key"
    )


def _secret_key() -> str:
    if _secret:
        if len(_secret) < 32:
            raise ImproperlyConfigured("DISSENT_SECRET_KEY must be at least 32 characters long")
        return _secret
    if not (DEBUG or DEMO):
        raise ImproperlyConfigured(
            "DISSENT_SECRET_KEY is not set: a production start needs a long random secret "
            "(for example `python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "given as DISSENT_SECRET_KEY or as a file named by DISSENT_SECRET_KEY_FILE. "
            "For a local trial, run `dissent demo` instead."
        )
    # Demo and debug only: a key kept beside the demo database, never in the repository.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "dissent.accounts",
    "dissent.events",
    "dissent.ledger",
    "dissent.memos",
    "dissent.review",
    "dissent.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dissent.web.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dissent.accounts.middleware.RequireMFAMiddleware",
    "dissent.web.middleware.DissentErrorMiddleware",
]

ROOT_URLCONF = "dissent.urls"
WSGI_APPLICATION = "dissent.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dissent" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "dissent.web.context.site",
            ],
        },
    }
]


def _database() -> dict[str, object]:
    try:
        config: dict[str, object] = dict(
            dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    engine = str(config["ENGINE"])
    if engine == "django.db.backends.sqlite3":
        Path(str(config["NAME"])).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers work during a write; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue on the busy timeout instead of failing on a lock upgrade.
        # Writers queue on a file lock rather than polling (dissent/backends/sqlite/base.py).
        config["ENGINE"] = "dissent.backends.sqlite"
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    elif engine == "django.db.backends.postgresql":
        # Django's own queries bind parameters on the client and are never prepared; the
        # written-out statements of the hottest requests (dissent/backends/rows.py) bind on
        # the server, and psycopg prepares one after it has run this many times on a
        # connection. Behind PgBouncer in transaction mode, set its max_prepared_statements.
        options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
        options.setdefault("prepare_threshold", 5)
        config["OPTIONS"] = options
    else:
        raise ImproperlyConfigured("DATABASE_URL must be sqlite:/// or postgres://")
    # Test runs only: a file, not SQLite's :memory:, so threads of concurrency tests share
    # one database; the process id keeps simultaneous test runs on one machine apart.
    name = Path(str(config["NAME"]))
    config["TEST"] = {
        "NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")
        if engine == "django.db.backends.sqlite3"
        else f"test_{name.name}_{os.getpid()}"
    }
    return config


DATABASES = {"default": _database()}

CACHES = {
    # Shared by every process and app server, so login throttling holds across workers.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "dissent_cache",
    }
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The vendored USWDS build lives outside any app (dissent/static/vendor/README.md).
STATICFILES_DIRS = [BASE_DIR / "dissent" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- allauth: e-mail login, no self sign-up, MFA, OIDC ---------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "dissent.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {
    "login_failed": _login_throttle,
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_ADAPTER = "dissent.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
OIDC_ENABLED = bool(_oidc_server)
OIDC_CREATE_USERS = _oidc_create
if OIDC_ENABLED and not (_oidc_client and _oidc_secret):
    raise ImproperlyConfigured(
        "DISSENT_OIDC_SERVER_URL is set, so DISSENT_OIDC_CLIENT_ID and "
        "DISSENT_OIDC_CLIENT_SECRET (or DISSENT_OIDC_CLIENT_SECRET_FILE) must be set too"
    )
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "EMAIL_AUTHENTICATION": True,
        "VERIFIED_EMAIL": True,
        "APPS": (
            [
                {
                    "provider_id": "sso",
                    "name": _oidc_name,
                    "client_id": _oidc_client,
                    "secret": _oidc_secret,
                    "settings": {"server_url": _oidc_server},
                }
            ]
            if OIDC_ENABLED
            else []
        ),
    }
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_TOTP_ISSUER = f"Dissent Channel ({ORGANIZATION_NAME})"
USERSESSIONS_TRACK_ACTIVITY = False

# --- security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = _session_hours * 3600
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
if HTTPS:
    SECURE_HSTS_SECONDS = _hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if _trust_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

BASE_URL = _base_url.rstrip("/")
if BASE_URL:
    parts = urlsplit(BASE_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"DISSENT_BASE_URL={BASE_URL!r} must look like https://host")
    CSRF_TRUSTED_ORIGINS = [f"{parts.scheme}://{parts.netloc}"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        # The SSO redirect is a form post to our own login endpoint that answers with a
        # redirect to the IdP: browsers check form-action against the redirect target too.
        "form-action": [SELF, *([_origin(_oidc_server)] if OIDC_ENABLED else [])],
    }
}

EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}[_email_backend]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _log_level},
    # Request bodies never reach the logs: only the path and status are logged by Django.
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}
