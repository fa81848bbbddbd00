"""Settings for msoko.

Everything that differs between installations comes from the environment:

* ``MSOKO_DATA_DIR`` - the data folder (SQLite database, Parquet fact store, demo ground truth);
  defaults to ``./data`` beside the project.
* ``DATABASE_URL`` - a PostgreSQL (or other) database; without it, SQLite in the data folder.
* ``MSOKO_SECRET_KEY`` / ``MSOKO_PSEUDONYM_KEY`` - secrets of the installation; when absent,
  they are generated once and kept in the data folder (never in the repository).
* ``MSOKO_DEBUG`` - "1" turns on Django's debug mode (off by default).

``msoko.production_settings`` tightens these for a server behind HTTPS.
"""

from __future__ import annotations

import datetime
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.conf import global_settings

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MSOKO_DATA_DIR", BASE_DIR / "data")).resolve()
# The data folder holds personal data (pseudonymised marks, uploads until loaded) and the
# installation's keys: everything msoko creates is its own user's only (files 0600, folders
# 0700 — the SQLite database and its -wal/-shm, Parquet stores, uploads, keys), and the folder
# itself is tightened to 0700 on every start, whatever an older version or a copy left.
os.umask(0o077)
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if DATA_DIR.stat().st_mode & 0o077 and DATA_DIR.stat().st_uid == os.getuid():
    DATA_DIR.chmod(0o700)


def _installation_secret(env_name: str, file_name: str) -> str:
    """A secret from the environment, else one generated once and kept in the data folder,
    readable by msoko's user only (created 0600; a looser file found is tightened)."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = DATA_DIR / file_name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(50))
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _installation_secret("MSOKO_SECRET_KEY", ".secret_key")
# Key of the HMAC that turns a student's identity into a pseudonym (152-ФЗ): a secret of the
# installation, so the same child matches across procedures and years but cannot be named.
PSEUDONYM_KEY = _installation_secret("MSOKO_PSEUDONYM_KEY", ".pseudonym_key")

DEBUG = os.environ.get("MSOKO_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("MSOKO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("MSOKO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "msoko.access.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "msoko.access",
    "msoko.registry",
    "msoko.facts",
    "msoko.intake",
    "msoko.collect",
    "msoko.jobs",
    "msoko.indicators",
    "msoko.analysis",
    "msoko.cycle",
    "msoko.administration",
    "huey.contrib.djhuey",
    # Logins (the block at the end): lockout, second factor, Content Security Policy.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "msoko.web",
    "msoko.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "msoko.access.middleware.SessionTimeoutMiddleware",
    "msoko.access.middleware.AuditActorMiddleware",
    "msoko.access.middleware.SecondFactorEnrolmentMiddleware",
    "msoko.access.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "msoko.urls"
WSGI_APPLICATION = "msoko.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "msoko.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'msoko.sqlite3'}"),
        conn_max_age=int(os.environ.get("MSOKO_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while an import writes; a busy timeout instead of "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    # Tests on a file, not Django's default shared-cache in-memory database: under shared
    # cache SQLite locks whole tables and answers "database table is locked" at once, with
    # no busy timeout, when the live server, the job consumer and the test touch one table
    # together. A file gets WAL and the timeout above, as in production.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "MSOKO_TEST_SQLITE_FILE",
            os.path.join(tempfile.gettempdir(), f"msoko-test-{os.getpid()}.sqlite3"),
        )
    }

AUTH_USER_MODEL = "access.User"
# The default hashers, and the one for generated one-time passwords (msoko/access/hashers.py).
PASSWORD_HASHERS = [
    *global_settings.PASSWORD_HASHERS,
    "msoko.access.hashers.OneTimePBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters at least (OWASP ASVS 2.1.1); generated one-time passwords have 14.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = os.environ.get("MSOKO_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Front-end libraries come from the npm registry at set-up (package.json), never from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / package / "dist")
    for name, package in (("htmx", "htmx.org"), ("echarts", "echarts"))
    if (NODE_MODULES / package / "dist").exists()
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The fact store: append-only import batches as Parquet files (docs/adr/0002-fact-store.md).
FACT_STORE_DIR = DATA_DIR / "facts"
# Computed indicator values: one Parquet file per catalog and year (msoko/indicators/values.py).
INDICATOR_STORE_DIR = DATA_DIR / "indicators"
# Groups smaller than this are never shown in public output (152-ФЗ).
MSOKO_MIN_PUBLIC_GROUP = int(os.environ.get("MSOKO_MIN_PUBLIC_GROUP", "10"))
# How many reverse proxies in front of msoko append the client to X-Forwarded-For: 0 — none
# (the audit log records REMOTE_ADDR and ignores the header, which a client can forge).
MSOKO_TRUSTED_PROXIES = int(os.environ.get("MSOKO_TRUSTED_PROXIES", "0"))

# Background jobs: huey over a SQLite file, no queue server needed (docs/adr/0008).
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "msoko",
    "filename": os.environ.get("MSOKO_QUEUE_FILE", str(DATA_DIR / "queue.sqlite3")),
    "results": False,
    "immediate": False,
    "consumer": {"workers": 1, "worker_type": "thread", "periodic": False},
}
UPLOAD_DIR = DATA_DIR / "uploads"
# The largest file the web upload accepts, in megabytes (refused before it is stored).
MSOKO_MAX_UPLOAD_MB = int(os.environ.get("MSOKO_MAX_UPLOAD_MB", "200"))
# Form fields other than files stay small; an uploaded file above 2.5 MB is streamed to a
# temporary file on disk, never held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
# ``msoko migrate`` adds the reference data a fresh installation needs (procedures,
# subjects, academic years around today, default scales); "0" turns that off.
MSOKO_REFERENCE_ON_MIGRATE = os.environ.get("MSOKO_REFERENCE_ON_MIGRATE", "1") != "0"

EMAIL_BACKEND = os.environ.get(
    "MSOKO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MSOKO_LOG_LEVEL", "WARNING")},
}


# --- Logins, sessions, second factor, Content Security Policy (issue 13, item 3) -------------
# docs/user/access.md tells administrators about each; ADRs 0020 (lockout), 0021 (session
# timeouts), 0022 (content security policy), 0023 (second factor), 0024 (admin path) say why.


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


# Lockout after repeated failures (django-axes): by the pair user name + IP address, so a
# stranger guessing one name cannot lock its owner out from her own computer.
MSOKO_LOGIN_FAILURE_LIMIT = _env_int("MSOKO_LOGIN_FAILURE_LIMIT", 5)
MSOKO_LOGIN_COOLOFF_MINUTES = _env_int("MSOKO_LOGIN_COOLOFF_MINUTES", 15)
# The axes backend first: it refuses a locked-out pair before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = MSOKO_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=MSOKO_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "msoko.access.views.locked_out"
AXES_VERBOSE = False

# Sessions end after 30 minutes without a request and 12 hours after signing in (ASVS 3.3.2).
MSOKO_SESSION_IDLE_MINUTES = _env_int("MSOKO_SESSION_IDLE_MINUTES", 30)
MSOKO_SESSION_ABSOLUTE_HOURS = _env_int("MSOKO_SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = MSOKO_SESSION_ABSOLUTE_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Optional second factor (TOTP, django-otp): a user turns it on in her profile; roles listed
# here (comma-separated Role values, e.g. "municipal_specialist,regional_analyst") must.
MSOKO_OTP_REQUIRED_ROLES = [
    r.strip() for r in os.environ.get("MSOKO_OTP_REQUIRED_ROLES", "").split(",") if r.strip()
]
OTP_TOTP_ISSUER = "МСОКО"

# The Django admin's address (technical administrators only): change it to hide it from scans.
MSOKO_ADMIN_PATH = os.environ.get("MSOKO_ADMIN_PATH", "admin/").strip("/") + "/"

# Content Security Policy: scripts only from the application's own static files (no inline
# script, no eval); styles also inline because ECharts draws tooltips with style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
