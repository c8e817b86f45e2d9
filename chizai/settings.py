"""Settings for chizai, read from the environment (DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS)."""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from chizai.env import DEVELOPMENT_SECRET_KEY, env_bool, env_int, env_list, env_str, production_secret_key_error

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("CHIZAI_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Local default only: a development or test run never needs a real secret; production refuses it (below).
SECRET_KEY = env_str("SECRET_KEY", "") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chizai.audit",
    "chizai.organizations",
    # Sign-in (issue 11): allauth's login, password and MFA pages; axes's lockout after repeated failures;
    # chizai.accounts after them (its admin replaces theirs with audited ones).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "chizai.accounts",
    "chizai.kpis",
    "chizai.pdca",
    "chizai.meetings",
    "chizai.cases",
    "chizai.exchange",
    "chizai.api",
    "chizai.search",
    "chizai.surveys",
    "chizai.reports",
    "chizai.ops",
    # Before django_tasks_db: its `db_worker` command is replaced by ours (with a heartbeat).
    "chizai.workers",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "chizai.audit.middleware.RequestIdMiddleware",
    "chizai.middleware.LogContextMiddleware",
    "chizai.middleware.NoStoreMiddleware",
    "chizai.middleware.IdleTimeoutMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # After the idle timeout: a required second factor, the 8-hour cap on a session (chizai/accounts).
    "chizai.accounts.middleware.SignInPolicyMiddleware",
    # Last, as axes requires: answers a locked-out login with the Japanese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chizai.urls"
WSGI_APPLICATION = "chizai.wsgi.application"

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
                "chizai.context_processors.site",
                "chizai.search.navigation.navigation",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'chizai.sqlite3'}"),
        conn_max_age=60,
        # A kept connection is checked before reuse, so the first request after a database restart succeeds.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a management command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Sign-in (issue 11 part 1; docs/deployment.md "Sign-in") ---------------------------------------------
# django-allauth's login (username, no self-signup: users are invited), its password change/reset pages and its
# MFA (TOTP, recovery codes, WebAuthn); django-axes locks a username at an address out after repeated failures.
AUTHENTICATION_BACKENDS = [
    # First, as axes requires: refuses a locked-out username+address before any password is checked.
    "chizai.accounts.backends.LockoutBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# After NIST SP 800-63B-4: length over composition (no character-class rules), known-bad passwords refused.
PASSWORD_MIN_LENGTH = env_int("CHIZAI_PASSWORD_MIN_LENGTH", 12)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "chizai.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "chizai.accounts.passwords.ContextWordsValidator"},
    {"NAME": "chizai.accounts.passwords.RepetitionValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "kpis:dashboard"
LOGOUT_REDIRECT_URL = "login"
ACCOUNT_ADAPTER = "chizai.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_FORMS = {"login": "chizai.accounts.forms.LoginForm"}  # the app's wording, shown by the one form include
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]  # signup itself is closed (adapter)
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are entered by the organisation's administrator
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
# No "remember me": the session cookie lives as long as the idle timeout; SignInPolicyMiddleware caps it at 8 h.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True  # a reset for an unknown address looks the same as one for a known one
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # and sends nothing
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[chizai] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# axes owns failed-login counting (one rule, one Japanese page); allauth's own failed-login limit is off.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# A reset or invitation link works once and for this many hours.
PASSWORD_RESET_TIMEOUT = env_int("CHIZAI_LINK_HOURS", 72) * 3600
MFA_ADAPTER = "chizai.accounts.adapters.MFAAdapter"
MFA_FORMS = {"authenticate": "chizai.accounts.forms.MfaAuthenticateForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env_str("CHIZAI_MFA_ISSUER", "chizai")
MFA_TOTP_TOLERANCE = 1  # one 30-second step either side: office PCs' clocks drift
MFA_PASSKEY_LOGIN_ENABLED = False
# WebAuthn needs https; the development server on 127.0.0.1 is allowed to try it over http.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Administrators (staff, superusers, organisation administrators) and reviewers must use a second factor.
# Required by default in production; `make run`'s demo (DEBUG on) offers it so its logins work by password.
CHIZAI_MFA_REQUIRED = env_bool("CHIZAI_MFA_REQUIRED", not DEBUG)
# A session ends after this many hours however active it is (the idle timeout below ends it sooner).
CHIZAI_SESSION_MAX_SECONDS = env_int("CHIZAI_SESSION_MAX_HOURS", 8) * 3600
# Lockout: this many failures for one username from one address lock that pair for CHIZAI_LOCKOUT_MINUTES
# (0: until an administrator unlocks it in the admin).
AXES_FAILURE_LIMIT = env_int("CHIZAI_LOCKOUT_FAILURES", 5)
_LOCKOUT_MINUTES = env_int("CHIZAI_LOCKOUT_MINUTES", 60)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_LOCKOUT_MINUTES) if _LOCKOUT_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "chizai.accounts.backends.client_username"  # allauth's field is "login"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # chizai/audit/admin_accounts.py registers an audited one
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, or behind the reverse proxy (SECURE_PROXY_SSL_HEADER) the address it
# appended to X-Forwarded-For (chizai.accounts.backends.client_ip).
CHIZAI_BEHIND_PROXY = env_bool("SECURE_PROXY_SSL_HEADER", False)
AXES_CLIENT_IP_CALLABLE = "chizai.accounts.backends.client_ip"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The SQLite file and collected static files live in var/; create it so a fresh checkout just runs.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the finders unless a deployment has run collectstatic and turned this off.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("CHIZAI_MANIFEST_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploaded import files (kept with their import job for the audit trail) live under var/uploads, or under
# CHIZAI_UPLOAD_DIR: with several servers, a directory every web server and worker mounts (docs/deployment.md).
MEDIA_ROOT = Path(env_str("CHIZAI_UPLOAD_DIR", str(VAR_DIR / "uploads")))
MEDIA_URL = "/media/"  # never served: uploads are read by the importer only

# Background work (imports, reminder mail, KPI recomputation) runs as tasks of Django's tasks framework, queued in
# the database (django-tasks-db) and run by `chizai db_worker` processes. CHIZAI_TASK_BACKEND may name Django's
# ImmediateBackend (the test suite does) to run each task within the request that enqueues it.
TASKS = {
    "default": {
        "BACKEND": env_str("CHIZAI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A worker beats every CHIZAI_WORKER_HEARTBEAT_SECONDS; one silent for CHIZAI_WORKER_STALE_SECONDS is dead: its
# running tasks are failed (an import says 「中断」) and /healthz says "stale" when no worker is left.
CHIZAI_WORKER_HEARTBEAT_SECONDS = env_int("CHIZAI_WORKER_HEARTBEAT_SECONDS", 5)
CHIZAI_WORKER_STALE_SECONDS = env_int("CHIZAI_WORKER_STALE_SECONDS", 30)
# The cache (files under var/, one per server): small things only, never a job's state or progress.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    },
    # Page fragments kept under the data's generation (chizai.audit.generation): never stale, so a per-server
    # cache is enough; each server computes a fragment once per change of the data.
    "fragments": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "fragments"),
        "TIMEOUT": 600,
        # KPI, organisation and self-evaluation pages are kept one per page (and day): the default 300 entries
        # would be culled at national scale. A fragment is 10–50 KB, so this bounds the directory at ~250 MB.
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
# Import limits: bigger files are refused with a Japanese message before they are parsed.
CHIZAI_IMPORT_MAX_BYTES = int(env_str("CHIZAI_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
CHIZAI_IMPORT_MAX_ROWS = int(env_str("CHIZAI_IMPORT_MAX_ROWS", "200000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Documents made in the background (the national compilation) are deleted from the uploads directory this many
# days after they were made (`chizai expire_documents`, nightly); the job then says 期限切れ and offers to make it
# again.
CHIZAI_DOCUMENT_RETENTION_DAYS = env_int("CHIZAI_DOCUMENT_RETENTION_DAYS", 7)
# A long PDF (the national compilation) is laid out in this many parts at once, one process and core each, and
# joined; 1 lays every document out in the worker's own process.
CHIZAI_DOCUMENT_PROCESSES = env_int("CHIZAI_DOCUMENT_PROCESSES", min(2, os.cpu_count() or 1))
# API tokens expire after this many days at most; a user may choose a shorter life on the token page.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
# Survey reminders: days after the invitation (or the last reminder) before the next, and how many at most.
CHIZAI_SURVEY_REMINDER_DAYS = env_int("CHIZAI_SURVEY_REMINDER_DAYS", 7)
CHIZAI_SURVEY_MAX_REMINDERS = env_int("CHIZAI_SURVEY_MAX_REMINDERS", 2)
# The follow-up survey: a case that reaches follow-up invites its company (the questionnaire of this code, or the
# latest sent one), and once more this many days after the first invitation.
CHIZAI_FOLLOW_UP_SURVEY_CODE = env_str("CHIZAI_FOLLOW_UP_SURVEY_CODE", "")
CHIZAI_SURVEY_REINVITE_DAYS = env_int("CHIZAI_SURVEY_REINVITE_DAYS", 365)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "chizai.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "chizai.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "chizai.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "chizai API",
    "DESCRIPTION": (
        "[← chizai の画面に戻る（全国ダッシュボード）](/) ・ [使い方](/help/)\n\n"
        "第3次地域知財活性化行動計画の計画・KPI・目標・実績・評価・ハンズオン支援案件を読み書きするAPI。"
        "権限と監査記録は画面と同じです。\n\n"
        "**認証**: [APIトークンの画面（/api/token/）](/api/token/)でトークンを発行し、"
        "HTTP ヘッダー `Authorization: Token <トークン>` を付けて要求してください。"
        "トークンには有効期限があり（期限切れは 401）、パスワードを変更すると無効になります。"
        "読み取り専用のトークンで登録・変更・削除を要求すると 403 を返します。"
        "ログイン中のブラウザーからは、この画面でそのまま試せます。\n\n"
        '**数値**: 実績・目標の値は文字列でも受け付けます（例: "1,234"、"１２３４"、"1234件"）。\n\n'
        "**同時更新**: 更新には取得したときの版（version、まだ無い値は 0）を添えます。"
        "他の利用者が先に更新していると 409 を返します。\n\n"
        '**エラー**: `{"detail": "日本語のメッセージ", "errors": {"項目": ["メッセージ"]}}` の形で返します。'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"StageEnum": "chizai.cases.models.Stage"},
}

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "chizai@localhost")
# The address users reach the app at, for links in e-mails (e.g. https://chizai.example.lg.jp).
CHIZAI_SITE_URL = env_str("CHIZAI_SITE_URL", "http://127.0.0.1:8000")
# Development prints mail to the console; production sends it over SMTP (MAIL_SMTP_* below).
MAIL_BACKEND = env_str(
    "MAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": MAIL_BACKEND}}
if MAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("MAIL_SMTP_HOST", "localhost"),
        "port": env_int("MAIL_SMTP_PORT", 25),
        "username": env_str("MAIL_SMTP_USER", ""),
        "password": env_str("MAIL_SMTP_PASSWORD", ""),
        "use_tls": env_bool("MAIL_SMTP_STARTTLS", False),
        "timeout": 30,
    }

# Production is safe by default: with DEBUG off every setting below takes its secure value unless the
# environment says otherwise (docs/deployment.md lists them). The development key is refused outright.
if not DEBUG and (error := production_secret_key_error(env_str("SECRET_KEY", ""))):
    raise ImproperlyConfigured(error)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The preload directive only consents to the browsers' list; submitting the domain stays a separate decision.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Only behind a reverse proxy that sets this header itself (and strips it from clients): opt in.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# Idle timeout: a session ends this many seconds after its last request (chizai.middleware.IdleTimeoutMiddleware
# renews it at most once a minute rather than SESSION_SAVE_EVERY_REQUEST writing it on every request).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere: pages load chizai/static/chizai/*.js|css; a page that truly needs an
# inline block marks it with {{ csp_nonce }}.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

CSRF_FAILURE_VIEW = "chizai.views.csrf_failure"

# One line per record; LOG_FORMAT=json for log collectors (request id and user id on every line).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "chizai.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "chizai.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # Django's own loggers propagate to the root handler above, so 500s carry the request id too.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
