"""Django settings for idrenew: everything comes from the environment (12-factor).

IDRENEW_ENV=embedded (default) runs on one machine with SQLite and local files, and generates
its own secrets into the data directory. IDRENEW_ENV=production requires every secret.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from idrenew.core.observability.access import parse_allow
from idrenew.core.observability.logging import logging_config
from idrenew.idcard.domain.types import DEFAULT_BLOCKING, DEFAULT_IMAGE_LIMITS
from idrenew.lib.env import (
    envbool,
    envfloat,
    envint,
    envsecret,
    envstr,
    generated_secret,
    secret_problem,
)
from idrenew.lib.private_files import private_dir, private_file

django_stubs_ext.monkeypatch()  # generic admin/queryset classes at run time

PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = PACKAGE_DIR.parent.parent
_DEFAULT_VAR = (
    _SOURCE_ROOT / "var" if (_SOURCE_ROOT / "pyproject.toml").exists() else Path.cwd() / "var"
)

ENVIRONMENT = envstr("IDRENEW_ENV", "embedded")
if ENVIRONMENT not in {"embedded", "production"}:
    raise ImproperlyConfigured("IDRENEW_ENV must be 'embedded' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(envstr("IDRENEW_DATA_DIR", str(_DEFAULT_VAR))).resolve()
# Owner only (0700; sessions in SQLite, generated secrets, uploads): created so, and in the
# embedded mode an existing looser folder and its secret files are tightened with a warning.
private_dir(DATA_DIR, tighten=not PRODUCTION)
for _generated in ("secret_key", "encryption_keys", "lookup_hash_key"):
    private_file(DATA_DIR / _generated, tighten=not PRODUCTION)


def _secret(name: str, filename: str, *, several: bool = False) -> str:
    value = envsecret(name)
    if value:
        if PRODUCTION:
            _refuse_weak_secret(name, value.split(",") if several else [value])
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production")
    return generated_secret(DATA_DIR / filename)


def _refuse_weak_secret(name: str, values: list[str]) -> None:
    for number, value in enumerate(values, start=1):
        problem = secret_problem(value.strip())
        if problem:
            which = f"{name} (key {number})" if len(values) > 1 else name
            raise ImproperlyConfigured(
                f"{which} {problem}. Production needs at least 32 random bytes in each "
                "secret: generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )


SECRET_KEY = _secret("IDRENEW_SECRET_KEY", "secret_key")
# Keys for data at rest (long random strings, e.g. Fernet keys; each is stretched with HKDF
# in lib/crypto.py); comma-separated, the first one encrypts, all decrypt.
ENCRYPTION_KEYS = [
    k.strip()
    for k in _secret("IDRENEW_ENCRYPTION_KEYS", "encryption_keys", several=True).split(",")
    if k
]
# Key for deterministic lookup hashes (e.g. find a customer by ID number without decrypting).
LOOKUP_HASH_KEY = _secret("IDRENEW_LOOKUP_HASH_KEY", "lookup_hash_key")

DEBUG = envbool("IDRENEW_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "IDRENEW_DEBUG=1 shows error pages with configuration to anyone; production refuses "
        "it: unset IDRENEW_DEBUG"
    )
ALLOWED_HOSTS = [
    h.strip()
    for h in envstr("IDRENEW_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in envstr("IDRENEW_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
if envbool("IDRENEW_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the proxy, the client address is the X-Forwarded-For entry this many places from the
# right (each trusted proxy appends the address it saw); entries further left are the
# client's own claims and are ignored (lib/net.py).
IDRENEW_TRUSTED_PROXIES = envint("IDRENEW_TRUSTED_PROXIES", 1)

INSTALLED_APPS = [
    "idrenew.core.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "idrenew.core",
    "idrenew.audit",
    "idrenew.customers",
    "idrenew.tradingcalendar",
    "idrenew.verification",
    "idrenew.cases",
    "idrenew.face",
    "idrenew.idcard",
    "idrenew.signing",
    "idrenew.outbox",
    "idrenew.review",
    "idrenew.reminders",
    "idrenew.h5",
    "idrenew.devkit",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "idrenew.staffauth",
]

MIDDLEWARE = [
    # First: every answer gets a request id, an access log line and its metrics.
    "idrenew.core.observability.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "idrenew.core.headers.security_headers",  # before WhiteNoise: static HTML gets the CSP
    "idrenew.core.middleware.api_errors_as_json",  # any error under /api/: the JSON shape
    "idrenew.core.limits.RequestBodyLimitMiddleware",  # before anything reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "idrenew.core.middleware.secure_cookies_under_https",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "idrenew.staffauth.middleware.StaffSessionMiddleware",  # idle timeout, second factor
    "idrenew.core.middleware.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "idrenew.urls"
WSGI_APPLICATION = "idrenew.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
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

# --- database -------------------------------------------------------------------------
# Lower case: not a setting, so that no error page or settings dump shows its password.
_database_url = envstr("IDRENEW_DATABASE_URL", f"sqlite:///{DATA_DIR / 'idrenew.sqlite3'}")
_db: dict[str, Any] = dict(
    dj_database_url.parse(_database_url, conn_max_age=envint("IDRENEW_DB_CONN_MAX_AGE", 60))
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a worker process started by a test can share it.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test_idrenew.sqlite3")}
    _db["CONN_MAX_AGE"] = 0
    if _db["NAME"] and _db["NAME"] != ":memory:":
        # SQLite would create the file under the umask (0644); its -wal/-shm files copy it.
        _sqlite = Path(_db["NAME"])
        private_file(_sqlite, create=_sqlite.parent.is_dir(), tighten=not PRODUCTION)
        for _suffix in ("-wal", "-shm"):
            private_file(Path(f"{_sqlite}{_suffix}"), tighten=not PRODUCTION)
else:
    # A persistent connection is checked before a request uses it: after a database restart
    # or failover each thread reconnects instead of failing its first request (a 500).
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and rate limits: Redis when configured, else the database ----------------------
REDIS_URL = envstr("IDRENEW_REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": envstr("IDRENEW_CACHE_PREFIX", "idrenew"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "idrenew_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- sessions and cookies ---------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # staff; customers have their own idle timeout below
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("IDRENEW_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "idrenew.core.views.csrf_failure"

# --- back-office staff sign-in (idrenew.staffauth) ---------------------------------------
# Seconds without a request before a staff session ends; SESSION_COOKIE_AGE stays the
# absolute limit.
IDRENEW_STAFF_IDLE_TIMEOUT = envint("IDRENEW_STAFF_IDLE_TIMEOUT", 15 * 60)
# Staff API bearer tokens (POST /api/staff/token): hours before one expires (the idle timeout
# above applies to them too).
IDRENEW_STAFF_TOKEN_HOURS = envint("IDRENEW_STAFF_TOKEN_HOURS", 8)
# django-axes: wrong passwords (and wrong one-time codes) per user name and per client IP
# within the cool-off window; at the limit the sign-in is refused until the window has
# passed or a 管理员 lifts the lock (an audit event). A correct password alone resets nothing:
# only a completed sign-in (password and code) clears the user's failures.
IDRENEW_STAFF_FAILURES_PER_USER = envint("IDRENEW_STAFF_FAILURES_PER_USER", 5)
IDRENEW_STAFF_FAILURES_PER_IP = envint("IDRENEW_STAFF_FAILURES_PER_IP", 20)
IDRENEW_STAFF_LOCKOUT_MINUTES = envint("IDRENEW_STAFF_LOCKOUT_MINUTES", 30)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "idrenew.staffauth.lockout.StaffLockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "idrenew.staffauth.lockout.failure_limit"  # the per-user limit
AXES_COOLOFF_TIME = timedelta(minutes=IDRENEW_STAFF_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "idrenew.lib.net.client_ip"
AXES_LOCKOUT_CALLABLE = "idrenew.staffauth.views.locked_out"
AXES_ENABLE_ADMIN = False  # idrenew.staffauth.admin registers its own (lift = audit event)
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "csrfmiddlewaretoken"]
# django-otp: every staff role signs in with a TOTP code (RFC 6238, 30 s, 6 digits).
OTP_TOTP_ISSUER = "证件更新后台"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- HTTPS and response headers (CSP and no-store: core/headers.py) ---------------------------
# Behind the TLS proxy, plain HTTP is redirected to HTTPS (except /healthz, for load-balancer
# probes) and browsers are told to use only HTTPS for a year (HSTS; sent on HTTPS answers).
_BEHIND_TLS = envbool("IDRENEW_BEHIND_TLS_PROXY", False)
SECURE_SSL_REDIRECT = envbool("IDRENEW_SSL_REDIRECT", _BEHIND_TLS)
# Probes and the metrics scrape may come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = envint(
    "IDRENEW_HSTS_SECONDS", 365 * 24 * 3600 if _BEHIND_TLS or PRODUCTION else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("IDRENEW_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a decision for the broker's parent domain (hstspreload.org), not this app's:
# off unless asked for, and Django's reminder about it (security.W021) is silenced then.
SECURE_HSTS_PRELOAD = envbool("IDRENEW_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
X_FRAME_OPTIONS = "DENY"

# --- locale -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_ALLOW_ALL_ORIGINS = False  # WhiteNoise would send Access-Control-Allow-Origin: *
MEDIA_ROOT = DATA_DIR / "files"
# Uploaded files and their folders (local storage): owner only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
S3_BUCKET = envstr("IDRENEW_S3_BUCKET", "")
# `idrenew check --deploy` and the web server's start-up ask the bucket whether it answers
# (a few seconds at most); adapters may use this to skip their network checks too.
IDRENEW_CHECK_NETWORK = envbool("IDRENEW_CHECK_NETWORK", True)
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("IDRENEW_S3_ENDPOINT_URL", "") or None,
            "access_key": envsecret("IDRENEW_S3_ACCESS_KEY"),
            "secret_key": envsecret("IDRENEW_S3_SECRET_KEY"),
            "region_name": envstr("IDRENEW_S3_REGION", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Bodies are refused from their Content-Length before anything reads them (core/limits.py):
# uploads their file limit plus a small margin, every other API call this (JSON).
IDRENEW_API_MAX_BODY_BYTES = envint("IDRENEW_API_MAX_BODY_BYTES", 1024 * 1024)

# --- heavy work ---------------------------------------------------------------------------
CELERY_BROKER_URL = envstr("IDRENEW_CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task (OOM, kill -9) must not lose the step: a dead pool child's message
# goes back to the queue at once, and the message of a dead worker (unacknowledged in Redis)
# is delivered again after this many seconds (longer than any task: OCR, liveness and signing
# take seconds; Redis's default of an hour would leave the customer waiting that long).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": envint("IDRENEW_CELERY_VISIBILITY_TIMEOUT", 300),
    # Look for such messages every 10 s (kombu's default scans every 100 s).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING below (JSON lines with the request id), not its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- business rules (defaults follow the broker's guide) -----------------------------------
IDRENEW_BUSINESS_OPEN = envstr("IDRENEW_BUSINESS_OPEN", "08:30")
IDRENEW_BUSINESS_CLOSE = envstr("IDRENEW_BUSINESS_CLOSE", "15:30")
IDRENEW_IGNORE_BUSINESS_HOURS = envbool("IDRENEW_IGNORE_BUSINESS_HOURS", False)
IDRENEW_DEMO = envbool("IDRENEW_DEMO", False)
if PRODUCTION and IDRENEW_DEMO:
    raise ImproperlyConfigured(
        "IDRENEW_DEMO=1 is for `idrenew demo`; production refuses it: unset IDRENEW_DEMO"
    )
IDRENEW_CASE_TTL_HOURS = envint("IDRENEW_CASE_TTL_HOURS", 72)
IDRENEW_CUSTOMER_IDLE_TIMEOUT = envint("IDRENEW_CUSTOMER_IDLE_TIMEOUT", 15 * 60)
IDRENEW_BEARER_TOKEN_MAX_AGE = envint("IDRENEW_BEARER_TOKEN_MAX_AGE", 4 * 3600)

IDRENEW_SMS_CODE_TTL = envint("IDRENEW_SMS_CODE_TTL", 300)
IDRENEW_SMS_MAX_ATTEMPTS = envint("IDRENEW_SMS_MAX_ATTEMPTS", 5)
IDRENEW_SMS_RESEND_COOLDOWN = envint("IDRENEW_SMS_RESEND_COOLDOWN", 60)
IDRENEW_SMS_DAILY_PER_ACCOUNT = envint("IDRENEW_SMS_DAILY_PER_ACCOUNT", 10)
IDRENEW_SMS_DAILY_PER_IP = envint("IDRENEW_SMS_DAILY_PER_IP", 50)
# Every answer to "send a code" takes at least this long, so timing does not reveal accounts.
IDRENEW_SMS_RESPONSE_FLOOR_MS = envint("IDRENEW_SMS_RESPONSE_FLOOR_MS", 250)
IDRENEW_SMS_BACKEND = envstr("IDRENEW_SMS_BACKEND", "idrenew.verification.sms.ConsoleSmsBackend")
# Vendor SMS (verification/sms_tencent.py, sms_aliyun.py, sms_http.py; README "SMS adapters").
# Templates per purpose ("signin_code=…,case_accepted=…", see sms_templates.py) and the
# approved signature; keys only from the environment or *_FILE, never logged.
IDRENEW_SMS_TEMPLATES = envstr("IDRENEW_SMS_TEMPLATES", "")
IDRENEW_SMS_SIGN_NAME = envstr("IDRENEW_SMS_SIGN_NAME", "")
IDRENEW_SMS_TIMEOUT_SECONDS = envint("IDRENEW_SMS_TIMEOUT_SECONDS", 5)
IDRENEW_SMS_TENCENT_SECRET_ID = envsecret("IDRENEW_SMS_TENCENT_SECRET_ID") or ""
IDRENEW_SMS_TENCENT_SECRET_KEY = envsecret("IDRENEW_SMS_TENCENT_SECRET_KEY") or ""
IDRENEW_SMS_TENCENT_APP_ID = envstr("IDRENEW_SMS_TENCENT_APP_ID", "")
IDRENEW_SMS_TENCENT_REGION = envstr("IDRENEW_SMS_TENCENT_REGION", "ap-guangzhou")
IDRENEW_SMS_TENCENT_ENDPOINT = envstr(
    "IDRENEW_SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com"
)
IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID = envsecret("IDRENEW_SMS_ALIYUN_ACCESS_KEY_ID") or ""
IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET = envsecret("IDRENEW_SMS_ALIYUN_ACCESS_KEY_SECRET") or ""
IDRENEW_SMS_ALIYUN_ENDPOINT = envstr("IDRENEW_SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com")
IDRENEW_SMS_HTTP_URL = envstr("IDRENEW_SMS_HTTP_URL", "")
IDRENEW_SMS_HTTP_KEY_ID = envstr("IDRENEW_SMS_HTTP_KEY_ID", "")
IDRENEW_SMS_HTTP_SECRET = envsecret("IDRENEW_SMS_HTTP_SECRET") or ""

IDRENEW_CAPTCHA_TTL = envint("IDRENEW_CAPTCHA_TTL", 120)
IDRENEW_PASSWORD_MAX_FAILURES = envint("IDRENEW_PASSWORD_MAX_FAILURES", 5)
IDRENEW_PASSWORD_LOCK_MINUTES = envint("IDRENEW_PASSWORD_LOCK_MINUTES", 30)
IDRENEW_SIGNIN_PER_IP_PER_HOUR = envint("IDRENEW_SIGNIN_PER_IP_PER_HOUR", 120)
# Per-source escalation of failed sign-ins (verification/services.py, "Failed sign-ins"):
# per (account, IP) and (account, device) the first FREE failures are free, each further one
# makes that source wait 2, 4, 8 … s (SIGNIN_SLOW_DOWN), and at MAX that source is locked out
# of the account for IDRENEW_PASSWORD_LOCK_MINUTES; only ACCOUNT_CEILING consecutive failures
# from all sources together lock the account for everyone.
IDRENEW_SMS_FREE_FAILURES = envint("IDRENEW_SMS_FREE_FAILURES", 5)
IDRENEW_SMS_SOURCE_MAX_FAILURES = envint("IDRENEW_SMS_SOURCE_MAX_FAILURES", 10)
IDRENEW_SMS_ACCOUNT_CEILING = envint("IDRENEW_SMS_ACCOUNT_CEILING", 100)
IDRENEW_PASSWORD_ACCOUNT_CEILING = envint("IDRENEW_PASSWORD_ACCOUNT_CEILING", 50)
IDRENEW_SMS_DAILY_PER_ACCOUNT_IP = envint("IDRENEW_SMS_DAILY_PER_ACCOUNT_IP", 10)
IDRENEW_CAPTCHA_PER_IP_PER_MINUTE = envint("IDRENEW_CAPTCHA_PER_IP_PER_MINUTE", 30)

# --- step 3: face ---------------------------------------------------------------------------
IDRENEW_FACE_ENGINE = envstr("IDRENEW_FACE_ENGINE", "idrenew.face.domain.engine.LocalFaceEngine")
IDRENEW_FACE_ATTEMPTS_PER_DAY = envint("IDRENEW_FACE_ATTEMPTS_PER_DAY", 5)
IDRENEW_FACE_CHALLENGE_TTL = envint("IDRENEW_FACE_CHALLENGE_TTL", 60)
IDRENEW_FACE_CLIP_MAX_BYTES = envint("IDRENEW_FACE_CLIP_MAX_BYTES", 15 * 1024 * 1024)
IDRENEW_FACE_MAX_CLIP_SECONDS = envint("IDRENEW_FACE_MAX_CLIP_SECONDS", 15)
# Cosine similarity of MobileFaceNet embeddings at and above which two faces are the same
# person: the highest different-person similarity of the development data plus 0.03
# (bench/face.py on ../shared/testdata: 75+75 photo pairs and frames of 5 liveness clips;
# MODELS.md gives the FAR/FRR it came from).
IDRENEW_FACE_MATCH_THRESHOLD = envfloat("IDRENEW_FACE_MATCH_THRESHOLD", 0.52)
# Passive anti-spoofing, advisory only: MiniFASNet's P(real), the median over ~5 frames of
# the clip, shown to the reviewer with its operating point and required by the STP rule;
# never a refusal (MODELS.md). NoSpoofDetector claims none ("未做静默活体检测").
IDRENEW_FACE_SPOOF_DETECTOR = envstr(
    "IDRENEW_FACE_SPOOF_DETECTOR", "idrenew.face.domain.spoof.MiniFasNetSpoofDetector"
)
# Each requested action must start inside its prompt's window widened by this much on both
# sides (the prompt schedule travels with the challenge; face/domain/schedule.py).
IDRENEW_FACE_PROMPT_TOLERANCE_MS = envint("IDRENEW_FACE_PROMPT_TOLERANCE_MS", 500)
# Test-only: fixes the challenge's actions (e.g. to those a fake-camera clip shows).
IDRENEW_FACE_FIXED_ACTIONS = envstr("IDRENEW_FACE_FIXED_ACTIONS", "")
if PRODUCTION and IDRENEW_FACE_FIXED_ACTIONS:
    raise ImproperlyConfigured("IDRENEW_FACE_FIXED_ACTIONS is for tests; production refuses it")

# The public-security identity check (face/identity.py): "tencent" (FaceID), "aliyun"
# (cloudauth), a dotted path, or "none". Production refuses "none" unless waived, with a
# reason the back-office dashboard shows as a warning.
IDRENEW_FACE_IDENTITY_VERIFIER = envstr("IDRENEW_FACE_IDENTITY_VERIFIER", "")
IDRENEW_IDENTITY_CHECK_WAIVED = envbool("IDRENEW_IDENTITY_CHECK_WAIVED", False)
IDRENEW_IDENTITY_CHECK_WAIVER_REASON = envstr("IDRENEW_IDENTITY_CHECK_WAIVER_REASON", "").strip()
IDRENEW_IDENTITY_TIMEOUT_SECONDS = envint("IDRENEW_IDENTITY_TIMEOUT_SECONDS", 5)
IDRENEW_IDENTITY_MAX_ATTEMPTS = envint("IDRENEW_IDENTITY_MAX_ATTEMPTS", 4)
IDRENEW_TENCENT_FACEID_SECRET_ID = envsecret("IDRENEW_TENCENT_FACEID_SECRET_ID") or ""
IDRENEW_TENCENT_FACEID_SECRET_KEY = envsecret("IDRENEW_TENCENT_FACEID_SECRET_KEY") or ""
IDRENEW_TENCENT_FACEID_ENDPOINT = envstr(
    "IDRENEW_TENCENT_FACEID_ENDPOINT", "https://faceid.tencentcloudapi.com"
)
IDRENEW_TENCENT_FACEID_REGION = envstr("IDRENEW_TENCENT_FACEID_REGION", "ap-guangzhou")
IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID = envsecret("IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_ID") or ""
IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET = (
    envsecret("IDRENEW_ALIYUN_CLOUDAUTH_ACCESS_KEY_SECRET") or ""
)
IDRENEW_ALIYUN_CLOUDAUTH_ENDPOINT = envstr(
    "IDRENEW_ALIYUN_CLOUDAUTH_ENDPOINT", "https://cloudauth.aliyuncs.com"
)
IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID = envstr("IDRENEW_ALIYUN_CLOUDAUTH_SCENE_ID", "")
if (
    PRODUCTION
    and IDRENEW_FACE_IDENTITY_VERIFIER.strip().lower() in ("", "none")
    and not (IDRENEW_IDENTITY_CHECK_WAIVED and IDRENEW_IDENTITY_CHECK_WAIVER_REASON)
):
    raise ImproperlyConfigured(
        "IDRENEW_FACE_IDENTITY_VERIFIER: production needs the public-security identity check "
        "(tencent or aliyun); to go without it set IDRENEW_IDENTITY_CHECK_WAIVED=1 and "
        "IDRENEW_IDENTITY_CHECK_WAIVER_REASON (shown on the back-office dashboard)"
    )

# --- steps 4–6: ID card ---------------------------------------------------------------------
IDRENEW_IDCARD_MAX_BYTES = envint("IDRENEW_IDCARD_MAX_BYTES", DEFAULT_IMAGE_LIMITS.max_bytes)
IDRENEW_IDCARD_MAX_PIXELS = envint("IDRENEW_IDCARD_MAX_PIXELS", DEFAULT_IMAGE_LIMITS.max_pixels)
# The policy table: image warnings that make the customer retake the photo (the message says
# how). Every other warning goes to the reviewer. Comma-separated codes override the default
# (``idcard.domain.types.DEFAULT_BLOCKING``, the one list).
IDRENEW_IDCARD_BLOCKING_WARNINGS = frozenset(
    envstr("IDRENEW_IDCARD_BLOCKING_WARNINGS", ",".join(sorted(DEFAULT_BLOCKING))).split(",")
) - {""}

IDRENEW_COUNTER_GATEWAY = envstr(
    "IDRENEW_COUNTER_GATEWAY", "idrenew.customers.gateway.DatabaseCounterGateway"
)

# --- steps 7–9: agreements and signed PDFs ---------------------------------------------------
# The broker's CA (encrypted with ENCRYPTION_KEYS); `idrenew ca init` creates it (outside
# production it is created on first use).
IDRENEW_SIGNING_DIR = Path(envstr("IDRENEW_SIGNING_DIR", str(DATA_DIR / "ca")))
IDRENEW_SIGNING_BROKER_NAME = envstr("IDRENEW_SIGNING_BROKER_NAME", "示例期货有限公司")
IDRENEW_SIGNING_CERT_LIFETIME_HOURS = envint("IDRENEW_SIGNING_CERT_LIFETIME_HOURS", 24)
IDRENEW_SIGNING_MIN_READ_SECONDS = envint("IDRENEW_SIGNING_MIN_READ_SECONDS", 10)
IDRENEW_SIGNING_VERIFY_MAX_BYTES = envint("IDRENEW_SIGNING_VERIFY_MAX_BYTES", 20 * 1024 * 1024)

# --- step 10 and after: review, decisions, outbox, notifications -----------------------------
# The H5 app's address as customers reach it (links in SMS).
IDRENEW_PUBLIC_H5_URL = envstr("IDRENEW_PUBLIC_H5_URL", "http://127.0.0.1:8000/h5/")
# Four-eyes: the final approval must come from a second person (审批员) after a reviewer's
# recommendation; off, a reviewer with the approve permission decides alone.
IDRENEW_REVIEW_FOUR_EYES = envbool("IDRENEW_REVIEW_FOUR_EYES", False)
IDRENEW_REVIEW_CLAIM_MINUTES = envint("IDRENEW_REVIEW_CLAIM_MINUTES", 15)
# Service level: a submitted case older than this many hours is shown as overdue.
IDRENEW_REVIEW_SLA_HOURS = envint("IDRENEW_REVIEW_SLA_HOURS", 24)
# Straight-through processing: approve without a person when every automatic check passed
# with these margins (off by default).
IDRENEW_STP_ENABLED = envbool("IDRENEW_STP_ENABLED", False)
IDRENEW_STP_MIN_FACE_MARGIN = envfloat("IDRENEW_STP_MIN_FACE_MARGIN", 0.10)
IDRENEW_STP_MIN_OCR_CONFIDENCE = envfloat("IDRENEW_STP_MIN_OCR_CONFIDENCE", 0.90)
# Outbox dispatcher: attempts before an event becomes a dead letter, and the first backoff.
IDRENEW_OUTBOX_MAX_ATTEMPTS = envint("IDRENEW_OUTBOX_MAX_ATTEMPTS", 8)
IDRENEW_OUTBOX_BACKOFF_SECONDS = envint("IDRENEW_OUTBOX_BACKOFF_SECONDS", 30)
IDRENEW_CFMMC_ADAPTER = envstr(
    "IDRENEW_CFMMC_ADAPTER", "idrenew.outbox.cfmmc.DailyFileCfmmcAdapter"
)
IDRENEW_CFMMC_DIR = Path(envstr("IDRENEW_CFMMC_DIR", str(DATA_DIR / "cfmmc")))
# Privacy: biometric data (face best frame, embedding, card portrait) is deleted this many
# days after the decision; the decision, card images and signed PDFs are kept.
IDRENEW_BIOMETRIC_RETENTION_DAYS = envint("IDRENEW_BIOMETRIC_RETENTION_DAYS", 30)
# Task records (a slow step's arguments and result, encrypted) are deleted this many hours
# after they were created (``housekeeping``): the H5 reads a result within its session (idle
# timeout 15 minutes) and operators look at a failed run the same day; nothing reads one later.
IDRENEW_TASK_RECORD_RETENTION_HOURS = envint("IDRENEW_TASK_RECORD_RETENTION_HOURS", 24)
# Expiry reminders: at most one SMS per customer per this many days.
IDRENEW_REMINDER_PERIOD_DAYS = envint("IDRENEW_REMINDER_PERIOD_DAYS", 30)

if PRODUCTION and IDRENEW_IGNORE_BUSINESS_HOURS:
    raise ImproperlyConfigured("IDRENEW_IGNORE_BUSINESS_HOURS is for demos; production refuses it")

# --- operations: logs, request ids, metrics, readiness (core/observability/) ---------------
# json: one JSON object per line (time, level, logger, message, request_id, safe extras);
# plain: text. JSON is the default in production.
IDRENEW_LOG_FORMAT = envstr("IDRENEW_LOG_FORMAT", "json" if PRODUCTION else "plain")
IDRENEW_LOG_LEVEL = envstr("IDRENEW_LOG_LEVEL", "INFO").upper()
LOGGING = logging_config(fmt=IDRENEW_LOG_FORMAT, level=IDRENEW_LOG_LEVEL)
# Use the X-Request-ID the proxy sends (nginx: proxy_set_header X-Request-ID $request_id)
# instead of generating one; only when a proxy in front sets it (a client could send any).
IDRENEW_TRUST_REQUEST_ID = envbool("IDRENEW_TRUST_REQUEST_ID", _BEHIND_TLS)
# /metrics (and the worker's metrics endpoint): client networks allowed, and a bearer token
# accepted from anywhere when set. /readyz shows its reasons to the same clients only.
IDRENEW_METRICS_ALLOW = parse_allow(envstr("IDRENEW_METRICS_ALLOW", "127.0.0.1/32,::1/128"))
IDRENEW_METRICS_TOKEN = envsecret("IDRENEW_METRICS_TOKEN") or ""
# Seconds each /readyz check may take before its part is reported as a timeout.
IDRENEW_READYZ_TIMEOUT = envfloat("IDRENEW_READYZ_TIMEOUT", 2.0)
# The Celery worker serves its own /metrics on this port (0: none) and address.
IDRENEW_WORKER_METRICS_PORT = envint("IDRENEW_WORKER_METRICS_PORT", 0)
IDRENEW_WORKER_METRICS_ADDR = envstr("IDRENEW_WORKER_METRICS_ADDR", "127.0.0.1")
