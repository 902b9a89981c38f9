"""Settings for the big-supervision platform, read from the environment.

Everything that differs between a laptop and production comes from environment variables (or a
`.env` file in the project root). Bad values raise ImproperlyConfigured at start-up.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. For development, run `make run` once (it writes a "
            ".env with DEBUG=1) or set DEBUG=1; in production, set SECRET_KEY."
        )
    # Development only: a fixed, obviously insecure key; production must set SECRET_KEY.
    SECRET_KEY = "dev-insecure-key-only-for-debug-never-in-production-0123456789"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Demo accounts and data may only be loaded where this is on; off by default in production.
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "simple_history",
    "django_htmx",
    "core",
    "audit",
    "accounts",
    "supervision",
    "rectification",
    "risk",
    "cases",
    "ratings",
    "archive",
    "dashboard",
    "reports",
    "public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy: scripts from this origin only (core/security.py).
    "core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "risk.enforcement.CircuitBreakMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # A NUL character in a query parameter: a 400 naming it (PostgreSQL refuses it in any text), in the
    # user's language; before any view reads the parameters.
    "core.security.NulParameterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not valid: {error}") from None
    _default_db["CONN_HEALTH_CHECKS"] = True
    if _default_db["ENGINE"] == "django.db.backends.postgresql":
        # Prepared statements: parameters sent apart from the SQL (server-side binding), and a statement
        # run DB_PREPARE_THRESHOLD times on a connection is prepared, so that PostgreSQL no longer parses
        # and plans it on every request (bench B4). PostgreSQL keeps planning it for its parameters
        # unless a generic plan is estimated no dearer. 0 turns both off (Django's default).
        _prepare_threshold = env_int("DB_PREPARE_THRESHOLD", 5, minimum=0)
        if _prepare_threshold:
            _default_db.setdefault("OPTIONS", {}).update(
                {"server_side_binding": True, "prepare_threshold": _prepare_threshold}
            )
else:
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "db.sqlite3",
        "OPTIONS": {
            # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of failing
            # with "database is locked" half-way; WAL lets readers continue during a write.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (used for the public rate limits later; per-process memory is enough for one host) --
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("CACHE_URL")}}

# --- Authentication, sessions, lockout (等保 level 3 basics) ------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that refuses a user suspended by a circuit break (预警熔断).
    "risk.enforcement.BreakerAwareModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30, minimum=1))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

API_TOKEN_TTL = timedelta(days=env_int("API_TOKEN_TTL_DAYS", 90, minimum=1))

# --- Security headers (production) --------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.SparseFilterBackend",
        "core.api.filters.StrictOrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    # JSON encoded by orjson (core/api/json_renderer.py). Every list also answers ?format=xlsx and
    # ?format=csv (core/api/renderers.py); errors stay JSON.
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.json_renderer.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "core.api.renderers.XlsxRenderer",
        "core.api.renderers.CsvRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.renderers.ExportContentNegotiation",
    "URL_FORMAT_OVERRIDE": "format",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ExportAwareAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "20/minute"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# An export (?format=xlsx|csv) holds every row of the list up to this many; beyond, a 400 asks to
# narrow the filters (never a silently truncated file).
API_EXPORT_MAX_ROWS = env_int("API_EXPORT_MAX_ROWS", 50000, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "大监督平台 API (Big-supervision platform)",
    "DESCRIPTION": "Traffic-police detachment supervision platform. Every response is limited to the caller's "
    "data scope.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The local broker of `make run`: messages are files under var/, no server needed.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Redis keeps a message a worker has taken (acks_late) until the task ends; if the worker dies, the
    # message is delivered again once it has been unacknowledged this long. It must exceed the longest
    # task (CELERY_TASK_TIME_LIMIT), or a task still running would be delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        # How often a worker looks for such messages (kombu's default sweep is about every 100 s).
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1500, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800, minimum=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Task modules outside `<app>.tasks` (which autodiscovery imports); the worker imports these at start.
CELERY_IMPORTS = ("risk.breaker_tasks", "risk.list_tasks", "dashboard.tasks")
CELERY_BEAT_SCHEDULE = {
    "audit-chain-verify-daily": {
        "task": "audit.tasks.audit_chain_verify_task",
        "schedule": crontab(hour=2, minute=15),
    },
    "deadline-scan-daily": {
        "task": "rectification.tasks.deadline_scan_task",
        "schedule": crontab(hour=1, minute=0),
    },
    "sessions-clear-daily": {
        "task": "accounts.tasks.sessions_clear_task",
        "schedule": crontab(hour=3, minute=0),
    },
    # The monthly comprehensive assessment (每月综合研判) of the month that has just ended, before the
    # quarterly lists (06:00) that read its alerts; idempotent per month.
    "risk-assessment-monthly": {
        "task": "risk.tasks.assessment_run_task",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
    # The lists of the quarter that has just ended (alerts confirmed in it, its grave findings and
    # high-risk posts with hits); idempotent per quarter.
    "risk-lists-quarterly": {
        "task": "risk.list_tasks.risk_lists_generate_task",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=6, minute=0),
    },
    # The Double Clean rating (双清示范创建) of the year that has just ended, drafted for the committee
    # (ratings.tasks is autodiscovered); recomputes while still a draft, never touches a proposed round.
    "ratings-draft-yearly": {
        "task": "ratings.tasks.rating_round_draft_task",
        "schedule": crontab(month_of_year=1, day_of_month=5, hour=4, minute=0),
    },
    # The integrity archive (廉政档案) of the year that has just ended, frozen once; a re-run creates nothing.
    "archive-freeze-yearly": {
        "task": "archive.tasks.archive_freeze_task",
        "schedule": crontab(month_of_year=1, day_of_month=2, hour=3, minute=0),
    },
    # The circuit breaker (预警熔断): business records added since the last run, in bounded batches.
    "breakers-every-5-minutes": {
        "task": "risk.breaker_tasks.breakers_run_task",
        "schedule": crontab(minute="*/5"),
    },
    # The dashboard's monthly rollups of the large tables (figures say "数据截至 …" this refresh); idempotent.
    "dashboard-rollups-every-15-minutes": {
        "task": "dashboard.tasks.rollups_refresh_task",
        "schedule": crontab(minute="*/15"),
    },
    # The written supervision reports (.docx, reports.tasks is autodiscovered): the first half of the
    # year on 5 July, the previous year on 10 January. Only when the period has none yet (idempotent);
    # new versions by hand: `manage.py generate_report --period 2026H1`.
    "reports-half-year": {
        "task": "reports.tasks.report_half_year_task",
        "schedule": crontab(month_of_year=7, day_of_month=5, hour=7, minute=0),
    },
    "reports-annual": {
        "task": "reports.tasks.report_annual_task",
        "schedule": crontab(month_of_year=1, day_of_month=10, hour=7, minute=0),
    },
}

# --- Rectification ------------------------------------------------------------------------------
# 文号 prefix, e.g. 常交监 gives 常交监〔2026〕12号.
NOTICE_DOCUMENT_PREFIX = env_str("NOTICE_DOCUMENT_PREFIX", "常交监")
NOTICE_ISSUING_OFFICE = env_str("NOTICE_ISSUING_OFFICE", "常德市公安局交通警察支队")
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 20, minimum=1) * 1024 * 1024
LOOK_BACK_DAYS = env_int("LOOK_BACK_DAYS", 90, minimum=1)
DUE_SOON_WORKING_DAYS = env_int("DUE_SOON_WORKING_DAYS", 3, minimum=1)
# The supervision centre (监管中心) whose supervisors receive the third rung of escalation.
SUPERVISION_CENTRE_UNIT_CODE = env_str("SUPERVISION_CENTRE_UNIT_CODE", "ZD-JGZX")

# --- Risk engine ----------------------------------------------------------------------------------
# A person's risk index at or above these raises an alert of that grade (蓝黄橙红).
RISK_ALERT_THRESHOLDS = {
    "blue": env_int("RISK_ALERT_BLUE", 30, minimum=1),
    "yellow": env_int("RISK_ALERT_YELLOW", 50, minimum=1),
    "orange": env_int("RISK_ALERT_ORANGE", 70, minimum=1),
    "red": env_int("RISK_ALERT_RED", 85, minimum=1),
}
if (
    not RISK_ALERT_THRESHOLDS["blue"]
    < RISK_ALERT_THRESHOLDS["yellow"]
    < RISK_ALERT_THRESHOLDS["orange"]
    < (RISK_ALERT_THRESHOLDS["red"])
):
    raise ImproperlyConfigured("RISK_ALERT_BLUE < RISK_ALERT_YELLOW < RISK_ALERT_ORANGE < RISK_ALERT_RED must hold.")
# The supervisor (username) who issues the quarterly risk-alert lists; empty: the first active
# supervisor whose scope is all units.
RISK_LIST_ISSUER = env_str("RISK_LIST_ISSUER", "")

# --- Public progress page (public/) -----------------------------------------------------------------
# Comments the public may send per client IP and hour (the 6th in the hour is a 429, not stored). The
# counter lives in the cache: with several web processes, set CACHE_URL (Redis) so they share it.
PUBLIC_FEEDBACK_PER_HOUR = env_int("PUBLIC_FEEDBACK_PER_HOUR", 5, minimum=1)
# How many reverse proxies in front of the app append to X-Forwarded-For: the client IP of the public
# rate limit is the N-th address from the right of that header (0: REMOTE_ADDR). With one nginx in
# front that sets `X-Forwarded-For $proxy_add_x_forwarded_for`, set 1. See public/ratelimit.py.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Email (optional; notifications are in-app first) ---------------------------------------------
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", default=False)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
