"""Settings for the Koperasi Merah Putih mentoring portal.

Everything that differs between a laptop and a server is read from the environment.
With DEBUG off the portal refuses to start without a real SECRET_KEY, ALLOWED_HOSTS and MFA_ENCRYPTION_KEYS.
"""

import base64
import hashlib
import os
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", "true")
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if not DEBUG:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("With DEBUG off, set SECRET_KEY to a random string of 32 or more characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("With DEBUG off, set ALLOWED_HOSTS (comma-separated host names).")

INSTALLED_APPS = [
    "koperasi_portal.admin_site.PortalAdminConfig",  # the Django admin, with a 403 for people without access
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
    "django_filters",
    "django_htmx",
    "ninja",  # the read API (api/): its docs page from its own static files, no CDN
    "simple_history",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "toolkit",
    "regions",
    "mentors",
    "offices",
    "territories",
    "cooperatives",
    "reporting",
    "api",
    "koperasi_portal",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "koperasi_portal.logs.RequestLogMiddleware",
    "koperasi_portal.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "koperasi_portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "koperasi_portal.middleware.RequireAdminMFAMiddleware",
    "koperasi_portal.middleware.ContractEndedMiddleware",
    "koperasi_portal.middleware.RegencyTimeZoneMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "koperasi_portal.middleware.BusyDatabaseMiddleware",
    "koperasi_portal.middleware.SignedInCacheMiddleware",
    "koperasi_portal.middleware.ActivityMiddleware",
]

ROOT_URLCONF = "koperasi_portal.urls"
WSGI_APPLICATION = "koperasi_portal.wsgi.application"

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
                "koperasi_portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Nothing is kept on a node: sessions are in the database, and the cache (sign-in counters, cached figures) is
# Redis when REDIS_URL is set, which every worker and node then shares. Without it each process keeps its own
# (fine for `make run`; `check --deploy` warns). A Redis that does not answer within a second fails the request
# instead of holding the worker.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "koperasi"),
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    } if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# Degrade, don't stall: in the web process (wsgi.py) a statement that runs longer than DB_STATEMENT_TIMEOUT_MS or
# waits for a lock longer than DB_LOCK_TIMEOUT_MS is cancelled by PostgreSQL, and the page answers 503 at once
# instead of holding a worker until gunicorn kills it. Management commands (long imports, migrations) keep no
# limit unless these are set for them.
WEB_PROCESS = os.environ.get("KOPERASI_WEB_PROCESS") == "1"
HEALTHZ_TIMEOUT_MS = int(os.environ.get("HEALTHZ_TIMEOUT_MS", "2000"))
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "15000" if WEB_PROCESS else "0"))
DB_LOCK_TIMEOUT_MS = int(os.environ.get("DB_LOCK_TIMEOUT_MS", "5000" if WEB_PROCESS else "0"))
if DATABASES["default"]["ENGINE"].endswith("postgresql") and (DB_STATEMENT_TIMEOUT_MS or DB_LOCK_TIMEOUT_MS):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c lock_timeout={DB_LOCK_TIMEOUT_MS}")
# A database server that does not answer at all fails the connection within this time (then the 503 page).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT_S", "5")))

AUTH_USER_MODEL = "mentors.User"
# allauth's backend only (it extends Django's ModelBackend, permissions included): with both, a wrong password
# was hashed twice.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# Accounts are created by admins: sign in by e-mail, no open sign-up.
ACCOUNT_ADAPTER = "mentors.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "allauth.account.forms.EmailAwarePasswordResetTokenGenerator"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True  # an invited mentor lands on their page
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Portal Koperasi Merah Putih] "
# One sign-in policy for every door (the Django admin signs in through this page too): after
# SIGNIN_FAILURES_PER_ACCOUNT wrong passwords an account is locked for SIGNIN_LOCKOUT_MINUTES, and one address may
# fail SIGNIN_FAILURES_PER_ADDRESS times in that window (high enough that people sharing an office's address do not
# lock each other out). The counters live in the cache below, so every worker and every node shares them. The
# client's address is read from X-Forwarded-For when TRUSTED_PROXY_COUNT proxies (nginx: 1) stand in front.
SIGNIN_FAILURES_PER_ACCOUNT = int(os.environ.get("SIGNIN_FAILURES_PER_ACCOUNT", "10"))
SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("SIGNIN_FAILURES_PER_ADDRESS", "50"))
SIGNIN_LOCKOUT_MINUTES = int(os.environ.get("SIGNIN_LOCKOUT_MINUTES", "15"))
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{SIGNIN_FAILURES_PER_ADDRESS}/{SIGNIN_LOCKOUT_MINUTES}m/ip,"
                    f"{SIGNIN_FAILURES_PER_ACCOUNT}/{SIGNIN_LOCKOUT_MINUTES}m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Multi-factor authentication (TOTP with recovery codes): anyone may enrol from their profile; admins and
# superusers must before any other page (koperasi_portal.middleware.RequireAdminMFAMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Portal Koperasi Merah Putih")
MFA_REQUIRED_FOR_ADMINS = env_bool("MFA_REQUIRED_FOR_ADMINS", "true")
MFA_ADAPTER = "mentors.adapters.MFAAdapter"
MFA_TOTP_PERIOD = 30
# The authenticator apps' secrets and the recovery codes' seeds are stored encrypted (mentors.adapters): Fernet keys,
# comma-separated; the first encrypts, every one decrypts (rotation: docs/operations.md). Development derives one
# from SECRET_KEY; with DEBUG off the portal refuses to start without one.
MFA_ENCRYPTION_KEYS = env_list("MFA_ENCRYPTION_KEYS")
if not MFA_ENCRYPTION_KEYS and DEBUG:
    MFA_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(b"mfa:" + SECRET_KEY.encode()).digest()).decode()]
if not MFA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("With DEBUG off, set MFA_ENCRYPTION_KEYS to a key made by: python3 -c 'import base64, "
                               "os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'")
for _key in MFA_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError as error:
        raise ImproperlyConfigured("Each key in MFA_ENCRYPTION_KEYS must be 32 random bytes in url-safe base64 "
                                   "(44 characters).") from error

# Every e-mail (ours, allauth's, the admin's) goes into the outbox, in the transaction that sends it
# (toolkit/mail.py); the worker (`manage.py run_worker`) delivers it through MAIL_DELIVERY_BACKEND, the transport
# named by the variable EMAIL_BACKEND, and retries a failure with backoff up to MAIL_MAX_ATTEMPTS times. A mail
# server that is down never breaks or holds up a request: its mail waits (the admin's "Outgoing e-mails").
EMAIL_BACKEND = "toolkit.mail.OutboxBackend"
MAIL_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@koperasi.invalid")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Figures over many rows (home pages, dashboards) are recomputed by a job every this many seconds
# (reporting/tasks.py); pages read them, show their time, and keep what they compute from them this long.
FIGURES_MAX_AGE = int(os.environ.get("FIGURES_MAX_AGE", "60"))
# The local time (HH:MM, in each regency's zone) from which the day's report reminders and late notices go out.
REPORT_REMINDER_TIME = os.environ.get("REPORT_REMINDER_TIME", "07:15")

# The read API (api/): requests per minute per token, counted in the shared cache; then 429 until the minute ends.
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "120"))

# Background jobs: one runner, django-tasks with its database backend. A job is a row written in the enqueuing
# transaction, so it survives a restart; `manage.py run_worker` runs them (docs/deployment.md).
# How often the recap job refreshes the open month's kept rows (the province and national recap tables).
RECAP_REFRESH_SECONDS = int(os.environ.get("RECAP_REFRESH_SECONDS", "3600"))
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Periodic jobs, enqueued by run_worker when due, once however many workers run (toolkit/jobs.py): a task's
# dotted path, and every N seconds, daily at "HH:MM" (TIME_ZONE) or hourly at "*:MM".
JOB_SCHEDULE = {
    "reporting.tasks.figures_refresh": max(FIGURES_MAX_AGE, 30),
    # The month-end recap's kept rows: the last closed month once, the open month's for the national tables.
    "reporting.tasks.recap_refresh": RECAP_REFRESH_SECONDS,
    "toolkit.tasks.mail_sweep": 60,
    "toolkit.tasks.task_results_prune": "03:30",
    # Hourly at REPORT_REMINDER_TIME's minute: each zone's regencies are reminded once their clock reaches it.
    "cooperatives.tasks.report_reminders_send": f"*:{REPORT_REMINDER_TIME[-2:]}",
    # A scheduled plan takes effect at the start of its day: checked every minute (one indexed query).
    "territories.tasks.scheduled_plans_take_effect": 60,
    # A mentor whose contract ended yesterday loses access; the office is warned 30 and 7 days before.
    "mentors.tasks.contracts_check": 60 * 10,
}

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence (visit photos and documents). Never served from a public URL: a view checks the viewer's
# scope. Several nodes share one store: set FILE_STORAGE_BACKEND to an S3-compatible backend (for example
# storages.backends.s3.S3Storage from django-storages, configured through its own AWS_* settings).
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": os.environ.get("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "koperasi_portal.storage.StaticStorage"
    },
}

PAGE_SIZE = 50

# Request bodies: at most REQUEST_MAX_MB, unless a view accepts more (visits with photos) or less (imports: 2 MB
# files). Checked from the declared length before the body is read; nginx's client_max_body_size should match the
# largest (see docs/deployment.md).
REQUEST_MAX_BYTES = int(float(os.environ.get("REQUEST_MAX_MB", "2.5")) * 2**20)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES

# A PMO's "needs you now" names their BAs who have recorded no visit for longer than this.
DASHBOARD_IDLE_BA_DAYS = int(os.environ.get("DASHBOARD_IDLE_BA_DAYS", "14"))

# Financing of a cooperative by a state bank (PMK 49/2025, in force from 21 July 2025): at most Rp 3 billion per
# cooperative across its proposals, of which at most Rp 500 million for operational spending (belanja
# operasional), over at most 72 months with a grace period of 6 to 8 months, instalments due monthly on the 12th.
# Settings, so that a new regulation is a deployment change, not a code change.
FINANCING_MAX_TOTAL = int(os.environ.get("FINANCING_MAX_TOTAL", "3000000000"))
FINANCING_MAX_OPERATIONAL = int(os.environ.get("FINANCING_MAX_OPERATIONAL", "500000000"))
FINANCING_MAX_TENOR_MONTHS = int(os.environ.get("FINANCING_MAX_TENOR_MONTHS", "72"))
FINANCING_GRACE_MIN_MONTHS = int(os.environ.get("FINANCING_GRACE_MIN_MONTHS", "6"))
FINANCING_GRACE_MAX_MONTHS = int(os.environ.get("FINANCING_GRACE_MAX_MONTHS", "8"))
FINANCING_EFFECTIVE_FROM = date.fromisoformat(os.environ.get("FINANCING_EFFECTIVE_FROM", "2025-07-21"))
FINANCING_INSTALMENT_DAY = int(os.environ.get("FINANCING_INSTALMENT_DAY", "12"))
# A primary cooperative is founded by at least 9 people (the cooperatives law as amended by UU 6/2023).
COOPERATIVE_MIN_FOUNDERS = int(os.environ.get("COOPERATIVE_MIN_FOUNDERS", "9"))
# The land for a cooperative's outlet and warehouse (Kemendagri's criteria: about 1,000 m², "or as conditions
# allow"): smaller plots are flagged, not refused; outside these bounds, or farther than this from the village's
# point, a plot is refused as a typing or map error.
LAND_MIN_AREA_M2 = int(os.environ.get("LAND_MIN_AREA_M2", "1000"))
LAND_MAX_AREA_M2 = int(os.environ.get("LAND_MAX_AREA_M2", "50000"))
LAND_LEAST_AREA_M2 = int(os.environ.get("LAND_LEAST_AREA_M2", "100"))
LAND_MAX_DISTANCE_KM = int(os.environ.get("LAND_MAX_DISTANCE_KM", "15"))
# Evidence on a visit: at most this many files, each at most this many megabytes (photos are re-encoded).
VISIT_FILES_MAX = int(os.environ.get("VISIT_FILES_MAX", "6"))
VISIT_FILE_MAX_MB = int(os.environ.get("VISIT_FILE_MAX_MB", "10"))
VISIT_REQUEST_MAX_BYTES = (VISIT_FILES_MAX * VISIT_FILE_MAX_MB + 1) * 2**20
# Links in e-mails point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The daily reminders job (cooperatives/tasks.py, in JOB_SCHEDULE) reminds a mentor this many days before their report
# is due.
REPORT_REMINDER_DAYS = int(os.environ.get("REPORT_REMINDER_DAYS", "3"))
# The registry's "SIMKOPDES not updated" filter.
SIMKOPDES_STALE_DAYS = int(os.environ.get("SIMKOPDES_STALE_DAYS", "30"))

# Maps draw the imported boundaries and coordinates on a plain background. An optional tile layer, e.g.
# MAP_TILE_URL=https://tile.openstreetmap.org/{z}/{x}/{y}.png with its MAP_TILE_ATTRIBUTION; its origin is
# added to the Content Security Policy's img-src.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# Content Security Policy: only our own scripts and styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([urlsplit(MAP_TILE_URL)._replace(path="", query="", fragment="").geturl()
                                           .replace("{s}.", "*.")] if MAP_TILE_URL else [])],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", "false") else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", "false")
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^healthz/$"]  # a monitor may ask a node directly over HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", "false")

# Logs go to the console (systemd's journal). LOG_FORMAT=json writes one JSON object per line; LOG_REQUESTS (on
# when DEBUG is off) adds one line per request with its duration and request id (koperasi_portal/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOG_REQUESTS = env_bool("LOG_REQUESTS", "false" if DEBUG else "true")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "koperasi_portal.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
