"""DeepTrace settings. Every value comes from an environment variable (see docs/operating.md, "Configuration").

Embedded defaults (SQLite, a filesystem broker) let `make run` work on a bare machine; set
DATABASE_URL and REDIS_URL for PostgreSQL and Redis. With DJANGO_DEBUG off, DJANGO_SECRET_KEY has no
default, so a misconfigured deployment fails at start.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from . import media_storage
from .env import env_bool, env_float, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DEEPTRACE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "deepfake_site.apps.AdminConfig",  # django.contrib.admin, its log-in throttled (deepfake_site/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "detector",
]

MIDDLEWARE = [
    "deepfake_site.request_size.RequestSizeLimitMiddleware",  # first: before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "deepfake_site.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "deepfake_site.urls"
WSGI_APPLICATION = "deepfake_site.wsgi.application"

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
                "deepfake_site.csp.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # `make run`'s web server and worker write to one file. A deferred transaction that reads (a row
    # lock is only a read on SQLite) and then writes fails at once if the other wrote meanwhile;
    # IMMEDIATE takes the write lock at BEGIN, so the other waits (up to `timeout` s) instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
# Lets several test runs share one PostgreSQL server without clobbering each other's test database.
if env_str("DEEPTRACE_TEST_DATABASE_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": env_str("DEEPTRACE_TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "detector:upload"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    # Uploaded videos and face crops: private, served only through detector.views.media (owner/staff).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("DEEPTRACE_MEDIA_ROOT", str(VAR_DIR / "media")))
# Where media lives: "local" (MEDIA_ROOT, one machine) or "s3", an S3-compatible bucket, so the web app
# and workers on other hosts share no disk (docs/operating.md, "Storage"; deepfake_site/media_storage.py).
DEEPTRACE_STORAGE, STORAGES["default"] = media_storage.from_env()
MEDIA_URL = "/media/"  # never routed to the file system directly; see detector.urls

# Uploads: big files stream to disk instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
# One video a request: a second file would be dropped unanalysed, so two are refused (too_many_files).
DATA_UPLOAD_MAX_NUMBER_FILES = 1

# --- DeepTrace -------------------------------------------------------------------------------------
DEEPTRACE_MAX_UPLOAD_MB = env_int("DEEPTRACE_MAX_UPLOAD_MB", 200)
DEEPTRACE_MAX_DURATION_S = env_float("DEEPTRACE_MAX_DURATION_S", 600.0)
# Frames larger than this many pixels on their longer side are refused, at upload (from the header)
# and again in the worker, before anything is decoded (docs/operating.md, "Limits").
DEEPTRACE_MAX_VIDEO_SIDE = env_int("DEEPTRACE_MAX_VIDEO_SIDE", 4096)
# The upload check counts the frames of a video whose header does not say (headerless WebM) for at most
# this many frames and seconds; past either the length is left to the worker, which counts and refuses.
DEEPTRACE_PROBE_MAX_FRAMES = env_int("DEEPTRACE_PROBE_MAX_FRAMES", 3000)
DEEPTRACE_PROBE_MAX_S = env_float("DEEPTRACE_PROBE_MAX_S", 1.0)
DEEPTRACE_DEFAULT_FRAMES = env_int("DEEPTRACE_DEFAULT_FRAMES", 20)
# Stored videos are deleted this long after their file was stored; analyses and crops are kept. Celery
# beat runs the purge every DEEPTRACE_PURGE_INTERVAL_S; `manage.py purge_videos` runs it by hand.
DEEPTRACE_VIDEO_RETENTION_DAYS = env_int("DEEPTRACE_VIDEO_RETENTION_DAYS", 30)
DEEPTRACE_PURGE_INTERVAL_S = env_int("DEEPTRACE_PURGE_INTERVAL_S", 3600)
DEEPTRACE_MIN_FRAMES = 10
DEEPTRACE_MAX_FRAMES = 100
DEEPTRACE_MODEL_DIR = Path(env_str("DEEPTRACE_MODEL_DIR", str(VAR_DIR / "models")))
# Published models (a folder each: model.pt, card.json, model.pt.sha256); `make run` installs the newest.
DEEPTRACE_PUBLISHED_MODELS = Path(env_str("DEEPTRACE_PUBLISHED_MODELS", str(BASE_DIR.parent / "shared" / "models")))
# Or a published model at a URL (installed by `make run` when set, only if its SHA-256 matches).
DEEPTRACE_MODEL_URL = env_str("DEEPTRACE_MODEL_URL", "")
DEEPTRACE_MODEL_SHA256 = env_str("DEEPTRACE_MODEL_SHA256", "")
DEEPTRACE_MODEL_MAX_MB = env_int("DEEPTRACE_MODEL_MAX_MB", 1024)  # a larger download is refused
DEEPTRACE_DEVICE = env_str("DEEPTRACE_DEVICE", "auto")  # auto | cpu | cuda | cuda:N
# Content Credentials (C2PA): a PEM file of the certificate authorities whose signers count as trusted
# (docs/operating.md, "Content Credentials"). Empty: no signer is trusted; every signature that validates
# is reported as from an untrusted signer. A path that is not a readable file stops the start.
DEEPTRACE_C2PA_TRUST_ANCHORS = env_str("DEEPTRACE_C2PA_TRUST_ANCHORS", "")
if DEEPTRACE_C2PA_TRUST_ANCHORS and not Path(DEEPTRACE_C2PA_TRUST_ANCHORS).is_file():
    raise ImproperlyConfigured(f"DEEPTRACE_C2PA_TRUST_ANCHORS={DEEPTRACE_C2PA_TRUST_ANCHORS!r} is not a file (a PEM file of "
                       "trusted C2PA certificate authorities is expected).")
# Serving speed (docs/speed.md, "Throughput"). Batch sizes: frames per MTCNN call and crops per backbone pass
# (0: the device's default, 4 frames on a CPU, 32 on a GPU). Compiling the backbone is opt-in.
DEEPTRACE_DETECT_BATCH = env_int("DEEPTRACE_DETECT_BATCH", 0) or None
DEEPTRACE_ENCODE_BATCH = env_int("DEEPTRACE_ENCODE_BATCH", 256)
DEEPTRACE_COMPILE = env_bool("DEEPTRACE_COMPILE", False)
# torch's threads in a CPU worker (0: torch's default, every core). On a host whose cores are shared
# with other busy processes, cores - 1 avoids a collapse (docs/speed.md, "Shared cores").
DEEPTRACE_CPU_THREADS = env_int("DEEPTRACE_CPU_THREADS", 0) or None
# Heatmaps of where the model looked (ml/serving/heatmaps.py) for each face's K most suspicious crops;
# 0 turns them off (their cost: docs/speed.md, "What heatmaps add").
DEEPTRACE_HEATMAPS_TOP_K = env_int("DEEPTRACE_HEATMAPS_TOP_K", 8)

# --- Celery ----------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if not REDIS_URL:
    # A broker that needs no server: messages are files under var/broker, shared by web and worker.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# Jobs survive their worker (detector.jobs): a running analysis whose lease is not renewed for this
# long is taken over by the next delivery; the sweeper sends what no message will bring.
DEEPTRACE_JOB_LEASE_S = env_int("DEEPTRACE_JOB_LEASE_S", 60)
DEEPTRACE_JOB_MAX_ATTEMPTS = env_int("DEEPTRACE_JOB_MAX_ATTEMPTS", 3)
DEEPTRACE_SWEEP_INTERVAL_S = env_int("DEEPTRACE_SWEEP_INTERVAL_S", 60)
DEEPTRACE_SWEEP_BATCH = 500
# Rate-limit counters must be shared by all web processes: Redis when there is one.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
CELERY_TASK_IGNORE_RESULT = True  # results live in the database, not the broker
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-analysis leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long GPU tasks: never hoard messages
# One process per analysis on a CPU host (prefork, 1). On a GPU host one process runs many analyses
# in threads and merges their model calls into shared batches (threads, 8 or more): the GPU stays busy
# while each thread decodes its own video.
CELERY_WORKER_POOL = env_str("DEEPTRACE_WORKER_POOL", "prefork")
CELERY_WORKER_CONCURRENCY = env_int("DEEPTRACE_WORKER_CONCURRENCY", 1)
CELERY_TASK_TIME_LIMIT = env_int("DEEPTRACE_TASK_TIME_LIMIT_S", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis redelivers an unacknowledged message after this long: longer than any task may run, so a
# live task is never delivered twice; a dead worker's job is taken over sooner by lease + sweeper.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_TASK_TIME_LIMIT + 5 * 60
# A broker outage must not hang an upload: give up sending quickly, the sweeper sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    "sweep-unsent-analyses": {"task": "detector.tasks.sweep", "schedule": float(DEEPTRACE_SWEEP_INTERVAL_S)},
    "purge-old-videos": {"task": "detector.tasks.purge_videos", "schedule": float(DEEPTRACE_PURGE_INTERVAL_S)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One scheduler (deepfake_site/beat.py): beat schedules only while it holds a lock it renews every third
# of this; a second beat (an orphan, a second service) stays idle, and takes over this long after the
# first is gone.
CELERY_BEAT_SCHEDULER = "deepfake_site.beat:SingleBeatScheduler"
DEEPTRACE_BEAT_LOCK_TTL_S = env_int("DEEPTRACE_BEAT_LOCK_TTL_S", 30)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Model jobs get their own queue (GPU workers); webhook deliveries must not wait behind them.
CELERY_TASK_ROUTES = {
    "detector.tasks.analyze": {"queue": env_str("DEEPTRACE_ANALYSIS_QUEUE", "analysis")},
    "detector.tasks.send_webhook": {"queue": "default"},
    "detector.tasks.sweep": {"queue": "default"},
    "detector.tasks.purge_videos": {"queue": "default"},
}

# --- API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "detector.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "detector.api.throttles.UserRateThrottle",
        "detector.api.throttles.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("DEEPTRACE_API_USER_RATE", "120/minute"),
        "anon": env_str("DEEPTRACE_API_ANON_RATE", "20/minute"),
    },
    "EXCEPTION_HANDLER": "detector.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DeepTrace API",
    "DESCRIPTION": "Upload a video, get a real/fake verdict with the face evidence behind it.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response shapes as separate components: only then is an upload `format: binary`
    # (a file to send) rather than the URL the response would hold.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The provenance's Content Credentials status, named, beside the analysis status.
    "ENUM_NAME_OVERRIDES": {"StatusEnum": "detector.models.Analysis.Status",
                            "CredentialStatusEnum": "detector.api.serializers.CREDENTIAL_STATUSES"},
}
# Log-in throttle (accounts/login_throttle.py): failures allowed in any window of this length per
# account from one address, per address, and per account from everywhere (a ceiling for a guesser
# spread over many addresses: one address adds at most 5 to it); past one, that log-in is refused (429).
DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS = env_int("DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", 5)
DEEPTRACE_LOGIN_FAILURES_PER_ADDRESS = env_int("DEEPTRACE_LOGIN_FAILURES_PER_ADDRESS", 20)
DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT = env_int("DEEPTRACE_LOGIN_FAILURES_PER_ACCOUNT", 100)
DEEPTRACE_LOGIN_WINDOW_S = env_int("DEEPTRACE_LOGIN_WINDOW_S", 15 * 60)
# Sliding-window rates outside the API (deepfake_site/ratelimit.py), written as the API's are
# ("20/hour", "5/10s"): web-form uploads per user, sign-ups per client address.
DEEPTRACE_UPLOAD_RATE = env_str("DEEPTRACE_UPLOAD_RATE", "60/hour")
DEEPTRACE_SIGNUP_RATE = env_str("DEEPTRACE_SIGNUP_RATE", "10/hour")
# Fair queuing (detector/fair_queue.py): analyses one user may have queued, waiting or running at once.
DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER = env_int("DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER", 20)
# How many reverse proxies (nginx) stand in front and append to X-Forwarded-For; 0 trusts none of it.
DEEPTRACE_PROXY_COUNT = env_int("DEEPTRACE_PROXY_COUNT", 0)
# Where the site is reached, e.g. https://deeptrace.example: work done outside a request (webhook bodies,
# reports) has no host to build absolute URLs from. Unset, such URLs stay site-relative.
SITE_URL = env_url("DEEPTRACE_SITE_URL")
# Webhooks: never to loopback or private addresses unless explicitly allowed (tests, on-prem).
DEEPTRACE_WEBHOOK_ALLOW_PRIVATE = env_bool("DEEPTRACE_WEBHOOK_ALLOW_PRIVATE", False)
DEEPTRACE_WEBHOOK_SECRET = env_str("DEEPTRACE_WEBHOOK_SECRET", SECRET_KEY)
# Video links (detector/link_fetch.py), downloaded by the worker under the upload's size limit: the
# webhooks' rule (public addresses only unless allowed: tests, on-prem) and a limit on the whole download.
DEEPTRACE_LINK_ALLOW_PRIVATE = env_bool("DEEPTRACE_LINK_ALLOW_PRIVATE", False)
DEEPTRACE_LINK_TIMEOUT_S = env_float("DEEPTRACE_LINK_TIMEOUT_S", 300.0)

# The browser extension calls the API from its own origin (chrome-extension://<id>).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOWED_ORIGIN_REGEXES = env_list("DEEPTRACE_CORS_ORIGIN_REGEXES", [r"^chrome-extension://[a-p]{32}$"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DEEPTRACE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Content-Security-Policy on every response (deepfake_site/csp.py), in DEBUG too, so the tests render
# pages under the policy production sends. "{nonce}" becomes a fresh nonce per response, for the
# inline <style> blocks of the admin pages and API docs ({{ csp_nonce }}). Style attributes stay allowed: they
# cannot run script, and the admin and Swagger UI use them.
DEEPTRACE_CSP = env_str(
    "DEEPTRACE_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
DEEPTRACE_CSP_REPORT_ONLY = env_bool("DEEPTRACE_CSP_REPORT_ONLY", False)

if not DEBUG:
    # HTTPS only, unless a deployment serves plain HTTP on purpose (docker-compose on localhost turns
    # these off). The health probes stay reachable over HTTP from inside the network.
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
