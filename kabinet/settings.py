"""Kabinet settings: one module, configured only by environment variables (DESIGN.md §5).

Embedded mode (no variables): SQLite under ./var, tasks on SQLite, SMS and email to the console.
Production: DATABASE_URL, REDIS_URL, KABINET_SECRET_KEY, KABINET_ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

env = environ.Env()

DEBUG = env.bool("KABINET_DEBUG", default=False)
DATA_DIR = Path(env.str("KABINET_DATA_DIR", default=str(PROJECT_DIR / "var")))

SECRET_KEY = env.str("KABINET_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "KABINET_SECRET_KEY is required when KABINET_DEBUG is off (production). "
            "Set KABINET_DEBUG=1 for a local development server."
        )
    SECRET_KEY = "django-insecure-kabinet-development-only"

ALLOWED_HOSTS = env.list("KABINET_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("KABINET_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "simple_history",
    "huey.contrib.djhuey",
    "kabinet.core",
    "kabinet.accounts",
    "kabinet.registry",
    "kabinet.billing",
    "kabinet.metering",
    "kabinet.comms",
    "kabinet.payments",
    "kabinet.portal",
    "kabinet.panel",
    "kabinet.api",
    "kabinet.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kabinet.core.middleware.RussianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns lockouts raised by authenticate() into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kabinet.urls"
WSGI_APPLICATION = "kabinet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'kabinet.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web process and the task worker share the file.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    # A new PostgreSQL connection per request costs ~6x in throughput: keep connections open.
    _db["CONN_MAX_AGE"] = env.int("KABINET_CONN_MAX_AGE", default=600)
    _db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"] == "django.db.backends.mysql":
    _db.setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and tasks ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "kabinet.core.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the shared cache, written through to the database. Not with the per-process
    # local-memory cache: a session ended in one web process would live on in another's cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "kabinet",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env.int("KABINET_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kabinet",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": env.bool("KABINET_TASKS_IMMEDIATE", default=False),
        "consumer": {"workers": 1, "worker_type": "thread"},
    }

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kabinet.accounts.backends.CredentialBackend",
    "kabinet.accounts.backends.AddressBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:login"

# django-axes: lock a login identifier after repeated failures, whatever the login method.
AXES_FAILURE_LIMIT = env.int("KABINET_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("KABINET_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Count failures by the `username` credential every login passes to authenticate(); axes would
# otherwise look for the user model's USERNAME_FIELD ("email") and record nothing.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "kabinet.accounts.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kabinet.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Lock by login identifier, not by IP: mobile carriers put many consumers behind one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("KABINET_TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
PHONE_REGION = env.str("KABINET_PHONE_REGION", default="RU")

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("KABINET_STATIC_ROOT", default=str(PROJECT_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("KABINET_MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Email and SMS ------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("KABINET_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("KABINET_EMAIL_URL", default=""):
    vars().update(env.email_url("KABINET_EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("KABINET_FROM_EMAIL", default="Kabinet <noreply@kabinet.local>")
SMS_BACKEND = env.str("KABINET_SMS_BACKEND", default="kabinet.comms.sms.ConsoleSmsBackend")
SMS_LOG_FILE = Path(env.str("KABINET_SMS_LOG", default=str(DATA_DIR / "sms.log")))

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kabinet.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "kabinet.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kabinet API",
    "DESCRIPTION": "Consumer portal and billing API: accounts, balances, meters, bills and payments.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the drf-spectacular-sidecar package: nothing is fetched from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Security (production) ----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("KABINET_SESSION_AGE", default=14 * 24 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("KABINET_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("KABINET_SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("KABINET_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("KABINET_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("KABINET_HSTS_PRELOAD", default=True)  # off if a subdomain is plain HTTP
    if env.bool("KABINET_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        USE_X_FORWARDED_HOST = True

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("KABINET_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Kabinet ------------------------------------------------------------------------------------
KABINET_CODE_TTL_MINUTES = 10  # confirmation codes expire after this many minutes
KABINET_CODE_MAX_ATTEMPTS = 5  # wrong entries before a code is burnt
KABINET_CODE_RESEND_SECONDS = 60  # throttle between two codes to one recipient
KABINET_CODES_PER_HOUR = 5  # codes one recipient may get in an hour

# --- Communication (kabinet.comms) ----------------------------------------------------------------
KABINET_APPEALS_PER_DAY = env.int("KABINET_APPEALS_PER_DAY", default=10)  # new appeals per user per day
KABINET_ATTACHMENT_MAX_MB = env.int("KABINET_ATTACHMENT_MAX_MB", default=10)
KABINET_ATTACHMENTS_PER_MESSAGE = env.int("KABINET_ATTACHMENTS_PER_MESSAGE", default=5)
# Appeal attachments live outside MEDIA_ROOT: they are served only through a permission-checking view.
KABINET_PRIVATE_MEDIA_ROOT = Path(env.str("KABINET_PRIVATE_MEDIA_ROOT", default=str(DATA_DIR / "private")))
KABINET_NOTIFY_MAX_ATTEMPTS = env.int("KABINET_NOTIFY_MAX_ATTEMPTS", default=8)
# Bills (ЕПД) of a period are printed when it closes; off, they are printed when first downloaded.
KABINET_BILLS_ON_CLOSE = env.bool("KABINET_BILLS_ON_CLOSE", default=True)
KABINET_NOTIFY_RETRY_SECONDS = env.int("KABINET_NOTIFY_RETRY_SECONDS", default=60)  # first back-off step
KABINET_SMS_INBOUND_SECRET = env.str("KABINET_SMS_INBOUND_SECRET", default="")  # empty: the webhook refuses all
KABINET_SMS_INBOUND_PER_HOUR = env.int("KABINET_SMS_INBOUND_PER_HOUR", default=20)  # then logged, not answered

# --- Portal home screen (kabinet.portal.dashboard) ----------------------------------------------------
# How long a rendered dashboard may stay unused in the cache (its key is the data it shows: never stale).
KABINET_DASHBOARD_CACHE_SECONDS = env.int("KABINET_DASHBOARD_CACHE_SECONDS", default=3600)  # 0: no cache
# Server-side prepared statements for the dashboard's query on PostgreSQL; 0 behind a transaction-mode
# pooler that cannot keep them (PgBouncer before 1.21).
KABINET_PREPARED_STATEMENTS = env.bool("KABINET_PREPARED_STATEMENTS", default=True)
