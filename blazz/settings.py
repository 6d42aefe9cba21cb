"""Blazz settings: everything that differs between machines comes from the environment.

Values are read from the process environment first, then from `.env` at the repository root.
Where DATABASE_URL / REDIS_URL are unset, the addresses of the embedded servers that
`make run` starts under `.data/` are used (see `blazz/addresses.py`), so `python manage.py ...`
works beside a running `make run` with no environment set.
"""

from pathlib import Path

import environ

from blazz import addresses, beat
from blazz.media_settings import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("BLAZZ_DATA_DIR", default=str(BASE_DIR / ".data"))).resolve()

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
if not SECRET_KEY:
    if not DEBUG and "PYTEST_VERSION" not in env:  # pytest sets PYTEST_VERSION
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set: run `make run` once (it writes .env) or set it in the environment."
        )
    SECRET_KEY = "insecure-dev-key-only-for-debug-and-tests"

# --- hosts -------------------------------------------------------------------------------------
# A workspace lives at {slug}.{BASE_DOMAIN}; the public host (signup, login, admin, health,
# the bridge webhook) is BASE_DOMAIN itself, 127.0.0.1 and localhost.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost").lower()
# BLAZZ_WEB_PORT is what the dev runner passes down (honcho rewrites PORT per process).
PORT = env.int("BLAZZ_WEB_PORT", default=env.int("PORT", default=8000))
# How links to a workspace host are written: scheme and the port a browser uses (empty behind a
# proxy on 80/443).
SITE_SCHEME = env.str("SITE_SCHEME", default="http")
SITE_PORT = env.str("SITE_PORT", default=str(PORT))
PUBLIC_HOSTS = sorted({BASE_DOMAIN, "127.0.0.1", "localhost", *env.list("PUBLIC_HOSTS", default=[])})
ALLOWED_HOSTS = [*PUBLIC_HOSTS, "." + BASE_DOMAIN, *env.list("ALLOWED_HOSTS", default=[])]
# Django accepts a form post whose Origin is the request's own host without any entry here; every
# workspace shares BASE_DOMAIN, so a wildcard would let one workspace's pages write to another's.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
# Behind TLS the session and CSRF cookies go over HTTPS only.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=SITE_SCHEME == "https" or SECURE_PROXY_SSL_HEADER is not None)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES

# --- apps ----------------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "daphne",
    "workspaces",
    "nodes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's JS/CSS served from /static/: the docs work offline
    "channels",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "chats",
    "chats.automation",
    "sessions_wa",
    "webhooks",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "workspaces.Workspace"
TENANT_DOMAIN_MODEL = "workspaces.Domain"
PUBLIC_SCHEMA_URLCONF = "blazz.urls_public"
ROOT_URLCONF = "blazz.urls_tenant"

MIDDLEWARE = [
    "blazz.core.requestid.RequestIdMiddleware",  # first: every answer, errors included, carries it
    "blazz.core.errors.MachineErrorShapeMiddleware",
    "workspaces.middleware.WorkspaceMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "workspaces.middleware.WorkspaceAccessMiddleware",
    "workspaces.middleware.WorkspaceLocaleMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "blazz" / "templates"],
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

ASGI_APPLICATION = "blazz.asgi.application"

# --- email --------------------------------------------------------------------------------------
# Invitations are emailed. EMAIL_URL (django-environ: smtp+tls://user:password@host:587, ...);
# unset: the console backend, which prints each mail in `make run`'s log.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"Blazz <noreply@{BASE_DOMAIN}>")
EMAIL_TIMEOUT = 10

# --- database ------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=addresses.default_database_url(DATA_DIR)),
}
# django-tenants' backend with a before-commit hook for the event log (blazz/core/db/base.py).
DATABASES["default"]["ENGINE"] = "blazz.core.db"
# Connections come from psycopg's pool (Django 5.1+). Under ASGI Django cannot keep a connection
# between requests (CONN_MAX_AGE must stay 0), so without the pool every request and every socket
# frame opened a PostgreSQL connection (a server process each). DB_POOL=false: one per request.
# With a pool, Django turns CONN_HEALTH_CHECKS into the pool's check before a connection is lent:
# after a PostgreSQL restart the pool replaces its dead ones instead of lending each once to fail.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
if env.bool("DB_POOL", default=True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not as well
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": env.int("DB_POOL_TIMEOUT_SECONDS", default=10),
    }
# test_<name>: suites pointed at different databases of one server never share a test database.
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME'] or addresses.DB_NAME}")
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# `SET search_path` once per connection and schema change, not before every query (it was half of
# a webhook's round trips). django-tenants forgets the path on close, rollback and set_tenant, so a
# connection back from the pool or a rolled-back SET is set again.
TENANT_LIMIT_SET_CALLS = env.bool("TENANT_LIMIT_SET_CALLS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis: cache, channel layer, celery broker -------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default=addresses.default_redis_url(DATA_DIR))

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Cache keys carry the schema (django-tenants' key function), so workspaces never share one.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="blazz"),
    },
    # Throttle counters (workspaces/throttle.py, django-ratelimit): not per schema, since an account
    # and an address are the same on every workspace's host.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="blazz") + "-rl",
    },
}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)  # off only to measure (bench/login_flood.py)
# Django's PBKDF2, hashed in one low-priority thread per process (workspaces/hashers.py); the other
# hashers verify older hashes.
# (One hasher per algorithm: Django looks a stored hash's hasher up by its algorithm name.)
PASSWORD_HASHERS = [
    "workspaces.hashers.LowPriorityPBKDF2PasswordHasher" if env.bool("PASSWORD_HASH_LOW_PRIORITY", default=True)
    else "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# A Redis outage must not lock everyone out of logging in: the throttles let attempts through then.
RATELIMIT_FAIL_OPEN = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_PREFIX", default="blazz")},
    }
}
# The inbox socket's ping interval (chats/consumers/inbox.py); tests shorten it.
REALTIME_PING_SECONDS = env.float("REALTIME_PING_SECONDS", default=20.0)

CELERY_BROKER_URL = addresses.celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes every connection before and after each task, and in a prefork child
# with a pool it closes the pool itself: a new pool and new PostgreSQL connections per task (most
# of a send task's CPU, and the server's). Past this many tasks it still does; blazz/celery.py
# gives the connection back to the pool after each task instead.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses its broker (a Redis restart) keeps reconnecting instead of exiting after
# Celery's default 100 tries: a supervisor restarting it would gain nothing.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task whose worker died is redelivered after this long; sends are idempotent by client_id.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often beat pumps every enabled webhook endpoint (due retries, lost triggers); a retry due
# sooner is queued with a countdown instead.
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=30.0)
# Every periodic job, in one place (blazz/beat.py).
CELERY_BEAT_SCHEDULE = beat.schedule(env, webhook_sweep_seconds=WEBHOOK_SWEEP_SECONDS)
# How long the workspace's event log (resume, GET /api/v1/events/, webhook replays) keeps events.
EVENT_LOG_RETENTION_DAYS = env.int("EVENT_LOG_RETENTION_DAYS", default=7)

# --- the bridge ------------------------------------------------------------------------------------
BRIDGE_URL = env.str("BRIDGE_URL", default="http://127.0.0.1:3001").rstrip("/")
BRIDGE_TOKEN = env.str("BRIDGE_TOKEN", default="")
# Shows /api/health/'s detail (`Authorization: Bearer <token>`), as the bridge's METRICS_TOKEN does its own.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Where web and worker processes keep their Prometheus samples (blazz/core/metrics.py); wiped at start
# by the dev runner and the test stack. Empty: each process counts alone (a shell, the test process).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# The Celery queues /metrics reports the depth of.
METRICS_CELERY_QUEUES = ["celery", "webhooks"]
BRIDGE_WEBHOOK_SECRET = env.str("BRIDGE_WEBHOOK_SECRET", default="")
BRIDGE_TIMEOUT_SECONDS = env.float("BRIDGE_TIMEOUT_SECONDS", default=10.0)
# A bridge node silent this long is dead: beat moves its sessions to other nodes (docs/scale-out.md).
BRIDGE_NODE_TIMEOUT = env.float("BRIDGE_NODE_TIMEOUT", default=30.0)
# Largest login state a node may store in the shared auth store (a webjs RemoteAuth zip: a few MB).
BRIDGE_AUTH_MAX_BYTES = env.int("BRIDGE_AUTH_MAX_BYTES", default=64 * 1024 * 1024)
# Typing, read receipts and presence are direct calls that must never hold up a request.
BRIDGE_FAST_TIMEOUT_SECONDS = env.float("BRIDGE_FAST_TIMEOUT_SECONDS", default=2.0)
# Sending: how long the worker keeps trying while the bridge is away, before `failed`.
MESSAGE_SEND_MAX_RETRIES = env.int("MESSAGE_SEND_MAX_RETRIES", default=8)  # ~4 min with the default cap
MESSAGE_SEND_BACKOFF_CAP_SECONDS = env.float("MESSAGE_SEND_BACKOFF_CAP_SECONDS", default=60.0)
# Automation (chats/automation/): at most this many automated messages to one contact per hour.
AUTOMATION_MAX_PER_CONTACT_PER_HOUR = env.int("AUTOMATION_MAX_PER_CONTACT_PER_HOUR", default=3)
# An automated send waits at most this long for its number's slot (the governor; its send task's
# countdown, kept under the broker's visibility timeout): an auto-reply past it is not sent, a due
# scheduled message stays scheduled until a sweep finds a slot in reach.
AUTOMATION_MAX_SLOT_WAIT_SECONDS = env.float("AUTOMATION_MAX_SLOT_WAIT_SECONDS", default=240.0)
# The opt-out keywords a workspace starts with (English and Indonesian; changed on its automation page).
AUTOMATION_OPT_OUT_KEYWORDS = env.list("AUTOMATION_OPT_OUT_KEYWORDS", default=["STOP", "UNSUBSCRIBE", "BERHENTI", "BERHENTI LANGGANAN"])
# The send governor's defaults per number (docs/automation.md has the reasoning); SendLimits overrides them.
GOVERNOR_PER_MINUTE = env.int("GOVERNOR_PER_MINUTE", default=20)
GOVERNOR_PER_HOUR = env.int("GOVERNOR_PER_HOUR", default=400)
GOVERNOR_PER_DAY = env.int("GOVERNOR_PER_DAY", default=1500)
GOVERNOR_MIN_DELAY_MS = env.int("GOVERNOR_MIN_DELAY_MS", default=1000)
GOVERNOR_MAX_DELAY_MS = env.int("GOVERNOR_MAX_DELAY_MS", default=4000)
GOVERNOR_WARMUP_DAYS = env.int("GOVERNOR_WARMUP_DAYS", default=7)
GOVERNOR_WARMUP_FACTOR = env.float("GOVERNOR_WARMUP_FACTOR", default=0.25)
# Where the bridge reaches Django (media it fetches to send), seen from the bridge's host.
INTERNAL_BASE_URL = env.str("INTERNAL_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

# --- auth ----------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
SESSION_COOKIE_NAME = "blazz_session"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_NAME = "blazz_csrftoken"

# --- REST API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workspaces.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["workspaces.permissions.IsWorkspaceMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The API speaks JSON (another body type: 415); the media upload names its multipart parser.
    # blazz.core.parsers bounds nesting (a RecursionError was a 500) and refuses NaN/Infinity.
    "DEFAULT_PARSER_CLASSES": ["blazz.core.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "blazz.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "blazz.core.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # `?format=` belongs to the export endpoint (json|csv|txt), not to DRF's renderer choice.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Blazz API",
    "DESCRIPTION": "The REST API of a Blazz workspace: contacts, chats, messages, sessions, media.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name per choice set (messages, sessions and media each have a `status`).
    "ENUM_NAME_OVERRIDES": {
        "MessageStatusEnum": "sessions_wa.contract.MessageStatus",
        "MessageTypeEnum": "chats.models.MESSAGE_TYPE_CHOICES",
        "ChatStatusEnum": "chats.models.ChatStatus",
        "MediaStatusEnum": "chats.models.MediaStatus",
        "SessionStatusEnum": "sessions_wa.contract.SessionStatus",
    },
    # Relative: the workspace host the description was fetched from ({slug}.BASE_DOMAIN).
    "SERVERS": [{"url": "/", "description": "The workspace host this description was fetched from"}],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "blazz.core.openapi.lint_clean"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- static, media, frontend -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# One folder per workspace (its schema name), on local disk and on S3 alike.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"


STORAGES = {
    "default": media_storage(env, max_memory_size=FILE_UPLOAD_MAX_MEMORY_SIZE),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- misc ------------------------------------------------------------------------------------------------
# Languages: English and Indonesian. A request's language is its member's choice, else its
# Accept-Language, else its workspace's (workspaces.middleware.WorkspaceLocaleMiddleware). The
# Indonesian catalogue is locale/id/LC_MESSAGES/django.po, compiled to django.mo in git.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # LOG_FORMAT=json: one JSON object a line, for a log shipper (docs/operations.md "Logs").
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    "filters": {"request_id": {"()": "blazz.core.requestid.RequestIdFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": env.str("LOG_FORMAT", default="plain")}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

# --- outgoing webhooks (docs/api.md "Webhooks") ----------------------------------------------------
# Seconds to wait before each retry of a failed delivery (the first attempt is immediate), Svix's
# schedule: about 3 days in all. Tests shrink it. Each wait gets +-20% jitter.
WEBHOOK_RETRY_SCHEDULE = env.list("WEBHOOK_RETRY_SCHEDULE", cast=float,
                                  default=[5, 300, 1800, 7200, 18000, 36000, 36000])
# An endpoint that has failed for this long without one success is disabled, with the reason.
WEBHOOK_DISABLE_AFTER_SECONDS = env.float("WEBHOOK_DISABLE_AFTER_SECONDS", default=3 * 24 * 3600)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Receivers on loopback or private addresses (dev, tests); refused otherwise (SSRF).
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
# The Celery queue deliveries go through, consumed by its own worker (Procfile: webhooks), so a
# slow CRM never holds up a send.
WEBHOOK_QUEUE = "webhooks"
CELERY_TASK_ROUTES = {"webhooks.tasks.webhook_endpoint_pump_task": {"queue": WEBHOOK_QUEUE}}
