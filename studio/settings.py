"""Settings for Twin Studio, read from the environment.

With nothing set the studio runs on the embedded defaults (DESIGN.md): SQLite, the kombu
filesystem broker and local media, all under ``var/``. Production sets ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``SECRET_KEY`` and the S3 variables.
"""

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STUDIO_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        # Empty: Django refuses any use of it, and the web process, the worker and beat refuse
        # to start (studio.secret); commands that need no key (migrations, checks) still run.
        return ""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # naturaltime: "12 seconds ago", not "0 minutes ago"
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by the studio itself
    "django_htmx",
    "axes",
    "studio",
    "twins",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studio.middleware.NulRefusedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studio.middleware.ActorMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a sign-in past the limit into its page
]

# --- Sign-in lockout (django-axes) ----------------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# refused until LOGIN_LOCKOUT_MINUTES pass without a try, on the sign-in form and with the API's
# Basic credentials alike; a right password is refused too while it lasts. The address is
# REMOTE_ADDR, or behind TRUSTED_PROXIES reverse proxies that each append the address they were
# reached from to X-Forwarded-For, the one the outermost proxy appended (studio.lockout).
# `manage.py axes_reset_username NAME` lifts one early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
if AXES_FAILURE_LIMIT < 1 or timedelta(0) >= AXES_COOLOFF_TIME:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES are at least 1.")
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES is a number of proxies: 0 or more.")
AXES_CLIENT_IP_CALLABLE = "studio.lockout.client_address"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "studio.lockout.sign_in_locked_out"
AXES_DISABLE_ACCESS_LOG = True  # failures only: no row, address and browser kept per sign-in
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

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
                "studio.context_processors.actor",
                "twins.context_processors.talent",
            ],
        },
    },
]

# --- Database: SQLite under var/ unless DATABASE_URL names PostgreSQL ------------------------- ---
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'studio.sqlite3'}",
        # Persistent connections, checked before reuse: a worker keeps one between tasks
        # instead of opening a new one per task (~4 ms each here). runserver still closes its
        # connections after each request.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 300),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a worker process started by the tests sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]

# Media is never served from a public URL: MEDIA_URL is unset on purpose, and every file goes out
# through a view that checks the viewer's right to the object it belongs to (studio.media).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("MEDIA_URL_EXPIRE_SECONDS", 300),
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, max-age=300"},
        },
    }
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Safe image input (studio.images) -------------------------------------------------------------
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 40 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000)
IMAGE_MAX_SIDE = env_int("IMAGE_MAX_SIDE", 12_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Capture quality (twins.quality) and training readiness ---------------------------------------
CAPTURE_MIN_SHORT_SIDE = env_int("CAPTURE_MIN_SHORT_SIDE", 1024)
CAPTURE_MIN_SHARPNESS = float(os.environ.get("CAPTURE_MIN_SHARPNESS", "60"))
CAPTURE_MAX_CLIPPED_HIGHLIGHTS = 0.05
CAPTURE_MAX_CLIPPED_SHADOWS = 0.25  # low-key light is dark on purpose
CAPTURE_DUPLICATE_DISTANCE = 3  # perceptual-hash bits; at most this apart is a near-duplicate
# Cells (angle/framing/lighting) that need a passing photo before a twin can be trained.
TWIN_REQUIRED_CELLS = env_list(
    "TWIN_REQUIRED_CELLS",
    "front/full_body/studio,three_quarter_left/full_body/studio,"
    "three_quarter_right/full_body/studio,profile_left/full_body/studio,"
    "profile_right/full_body/studio,back/full_body/studio,front/half/studio,front/face/studio",
)

# Training backends by name (dotted paths); more can be added as JSON in TWIN_TRAINING_BACKENDS.
TWIN_TRAINING_BACKENDS = {
    "reference": "twins.training.reference.ReferenceBackend",
    "lora": "twins.training.lora.LoraBackend",  # needs the `lora` extra and local base weights
    **json.loads(os.environ.get("TWIN_TRAINING_BACKENDS", "{}")),
}
TWIN_TRAINING_BACKEND = os.environ.get("TWIN_TRAINING_BACKEND", "reference")
TWIN_BASE_MODEL = os.environ.get("TWIN_BASE_MODEL", "")  # a local path to base weights
# A training whose worker died, or that could not start, this many times is failed, not started
# again.
TWIN_TRAINING_MAX_ATTEMPTS = env_int("TWIN_TRAINING_MAX_ATTEMPTS", 3)
# A running training whose worker has not reported for this long lost its worker (loading the
# base model comes before the first step: keep it above that).
TWIN_TRAINING_LEASE_SECONDS = env_int("TWIN_TRAINING_LEASE_SECONDS", 300)
# A capture check or training still waiting after this long, whose message the broker no longer
# holds, is sent again by the twins' reconciler.
TWIN_RESEND_AFTER = env_int("TWIN_RESEND_AFTER", 60)

# --- Rendering (campaigns.rendering) -------------------------------------------------------------
# Render backends by name (dotted paths); more can be added as JSON in RENDER_BACKENDS.
RENDER_BACKENDS = {
    "preview": "campaigns.rendering.preview.PreviewBackend",
    "diffusers": "campaigns.rendering.diffusers.DiffusersBackend",  # the `gpu` extra, local weights
    "null": "campaigns.rendering.null.NullBackend",  # returns a stored image: for benchmarks
    **json.loads(os.environ.get("RENDER_BACKENDS", "{}")),
}
RENDER_BACKEND = os.environ.get("RENDER_BACKEND", "preview")
RENDER_BASE_MODEL = os.environ.get("RENDER_BASE_MODEL", "") or TWIN_BASE_MODEL
# GPU seconds per render a campaign's estimate starts from, until the brand has five renders on
# the backend. `diffusers`: 30 steps for a 1024x1280 shot with a LoRA, median 2.08 s on one H200
# (tests/gpu_render_timing.py); farms of slower cards set their own in RENDER_ESTIMATE_SECONDS.
RENDER_ESTIMATE_SECONDS = {
    "preview": 0.3,
    "diffusers": 2.1,
    "null": 0.01,
    **json.loads(os.environ.get("RENDER_ESTIMATE_SECONDS", "{}")),
}
if not all(type(v) in (int, float) and v > 0 for v in RENDER_ESTIMATE_SECONDS.values()):
    raise ImproperlyConfigured(
        "RENDER_ESTIMATE_SECONDS: each backend's seconds per render is a positive number."
    )
# A running job whose worker has not reported for this long is taken to be dead.
RENDER_LEASE_SECONDS = env_int("RENDER_LEASE_SECONDS", 60)
# A job whose worker died, or that could not start, this many times is failed, not sent again (a
# poison job never loops).
RENDER_MAX_ATTEMPTS = env_int("RENDER_MAX_ATTEMPTS", 3)
# A queued job the broker no longer holds after this long is sent again by the reconciler.
RENDER_RESEND_AFTER = env_int("RENDER_RESEND_AFTER", 60)
# A running job asked to cancel that has not stopped after this long is terminated.
RENDER_CANCEL_GRACE = env_int("RENDER_CANCEL_GRACE", 120)
# How often a worker announces itself on the render farm page.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
RENDER_THUMBNAIL_SIZE = 384

# --- Celery ---------------------------------------------------------------------------------------
# The database is the truth for every job; the broker only carries wake-ups (DESIGN.md).
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
# Above the longest render or training step: a message is redelivered once this has passed
# without an ack, so a shorter value runs long jobs twice.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 3600)
# A message unacknowledged this long that no live worker holds belongs to a dead worker and is
# requeued by studio.tasks.broker_orphans_restore_task (every 30 s on beat).
CELERY_ORPHAN_MIN_AGE = env_int("CELERY_ORPHAN_MIN_AGE", 30)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EVENTS = env_bool("CELERY_TASK_EVENTS", False)  # Celery's event stream, for Flower

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "studio.api.authentication.SessionThenBasicAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "studio.api.schema.StudioAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "studio.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Twin Studio API",
    "DESCRIPTION": "Campaigns, licensed digital twins, renders, approvals and posts.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's Swagger UI from our own static files, not a CDN: it works where the studio
    # has no internet, and no third-party script runs on a page with the user's session.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "twins.enums.Channel",
        "ContentTagEnum": "twins.enums.ContentTag",
        "GarmentCategoryEnum": "twins.services.people.CATEGORIES",
        "CampaignStatusEnum": "campaigns.enums.CampaignStatus",
        "SceneKindEnum": "campaigns.enums.SceneKind",
        "UsageKindEnum": "twins.enums.UsageKind",
        "JobStateEnum": "campaigns.enums.JobState",
        "PriorityNameEnum": "campaigns.enums.PRIORITY_NAMES",
    },
}

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from the studio's own files, so
# markup that slipped past escaping still could not run or restyle a page (templates draw
# progress and swatches with SVG attributes, not style attributes; htmx is told not to add its
# own <style>); images may come from the media storage's signed URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", "https:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
