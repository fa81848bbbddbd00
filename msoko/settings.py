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

import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.conf import global_settings

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MSOKO_DATA_DIR", BASE_DIR / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _installation_secret(env_name: str, file_name: str) -> str:
    """A secret from the environment, else one generated once and kept in the data folder."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = DATA_DIR / file_name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
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
    "msoko.web",
    "msoko.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "msoko.access.middleware.AuditActorMiddleware",
    "msoko.access.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
