"""Settings for unionreg: one module, configured through environment variables.

DATABASE_URL   sqlite:///db.sqlite3 (default) or postgres://user:pass@host:5432/name
DATABASE_REPLICA_URL  optional: a read replica for the statistics and exports
SECRET_KEY     required when DEBUG is off
DEBUG          1/0 (default 0)
ALLOWED_HOSTS  comma-separated (default: localhost names when DEBUG is on)
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from unionreg.env import (
    env_bool, env_int, env_list, env_networks, env_str, parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random "
            "string, or DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG=1"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "unionreg.apps.UnionAdminConfig",  # django.contrib.admin with our site (declared lookups)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "organizations",
    "members",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps idle sessions alive, writing them back at most once a minute.
    "unionreg.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "unionreg.middleware.ContentSecurityPolicyMiddleware",
    "unionreg.middleware.PrivateNoStoreMiddleware",
    # Inside the ones above (its 400 page shows the user and gets their headers), before
    # any view.
    "unionreg.middleware.InputHygieneMiddleware",
    # Axes must come last: it turns locked-out logins into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionreg.urls"
WSGI_APPLICATION = "unionreg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", "sqlite:///db.sqlite3"), base_dir=BASE_DIR
    )
}
# A PostgreSQL connection is kept for the next request of the same process (thread) for
# up to CONN_MAX_AGE seconds (0: a new one per request, each starting a PostgreSQL
# backend), and checked before it is reused after an error or a restart of the server.
# SQLite opens a file: nothing to keep.
_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60 if _POSTGRES else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", True)
# A streaming read replica of the primary (PostgreSQL), for the statistics and the
# exports (unionreg/routers.py; bench/SCALE.md). In tests it mirrors the test database.
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = {
        **parse_database_url(_replica_url, base_dir=BASE_DIR,
                              variable="DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["unionreg.routers.ReplicaRouter"]
SILENCED_SYSTEM_CHECKS = []
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the background worker write while the web process reads.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # MembershipEvent's indexes carry INCLUDE columns so PostgreSQL answers the statistics
    # from the index alone. SQLite has no covering indexes and builds the same indexes
    # on their key columns (models.W040 says so at every migrate): the queries give the
    # same answers, only without PostgreSQL's index-only scans. Nothing to act on.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# The dashboard's and campaign page's figures (members.statistics.cache), kept per
# gunicorn process: each entry is keyed by the figures' version, read from the database
# on every request, so a process never shows figures older than the last committed
# change, whatever another process cached. A shared backend (Redis, Memcached) would
# only save each process its first count after a change.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "unionreg-figures",
        "TIMEOUT": 24 * 3600,
        # A city's scopes, days and groupings; old versions' entries go first (LRU).
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after an hour without activity: shared office PCs stay logged in otherwise.
# The expiry moves with each request (unionreg.middleware.SessionRefreshMiddleware),
# written back at most once a minute rather than on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling: five failures lock the username from that address for 15 minutes.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Not verbose: otherwise every manage.py command starts with axes' "AXES: BEGIN version …"
# line. The only other effect is on axes' log line for a failed login, which then names
# the lockout parameters (username, address) and the path, without the browser's
# user agent; lockouts are the same.
AXES_VERBOSE = False
# Behind a reverse proxy the connection address is the proxy's: the client's address
# comes from X-Forwarded-For, read only when the connection comes from one of these.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "unionreg.client.client_ip"
# A locked-out login gets the site's page (status 429), not axes' English line.
AXES_LOCKOUT_CALLABLE = "unionreg.views.locked_out"

# Background jobs (large exports). The README's run command starts `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Import limits: an upload larger than this, or a workbook that inflates beyond the
# uncompressed limit (zip bomb), is refused before it is parsed.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# Uploads larger than this are checked and written by the background worker, with
# progress on the import job's page, instead of inside the web request.
IMPORT_INLINE_MAX_BYTES = env_int("IMPORT_INLINE_MAX_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A drive's QR self-enrolment page: submissions accepted per client address and per
# drive within the window (members/services/self_enrolment.py). Many workers may share
# one address (a site's Wi-Fi, a carrier's NAT), so the address limit is not tiny.
QR_LIMIT_PER_ADDRESS = env_int("QR_LIMIT_PER_ADDRESS", 20)
QR_LIMIT_PER_DRIVE = env_int("QR_LIMIT_PER_DRIVE", 300)
QR_LIMIT_WINDOW_SECONDS = env_int("QR_LIMIT_WINDOW_SECONDS", 3600)
# Exports up to this many rows are sent at once; bigger ones run in the background.
EXPORT_INLINE_MAX_ROWS = env_int("EXPORT_INLINE_MAX_ROWS", 5000)
# How long the log of pages that showed a member's full personal data is kept.
PERSONAL_DATA_READ_RETENTION_DAYS = env_int("PERSONAL_DATA_READ_RETENTION_DAYS", 365)
if PERSONAL_DATA_READ_RETENTION_DAYS < 1:
    # 0 would delete each entry as the next is written: no log at all.
    raise ImproperlyConfigured(
        f"PERSONAL_DATA_READ_RETENTION_DAYS={PERSONAL_DATA_READ_RETENTION_DAYS} must be 1 or more."
    )

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Preload stays opt-in: a preload-list entry is hard to undo and intranet host names
    # cannot be listed, so `check --deploy` is not to nag about it (security.W021).
    SILENCED_SYSTEM_CHECKS.append("security.W021")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
