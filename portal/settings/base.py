"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOCAL_DIR = BASE_DIR / ".local"  # embedded database, broker folders, beat schedule

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-not-for-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.admin_apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "portal",
    "portal.tenancy",
    "portal.audit",
    "portal.catalogue",
    "portal.api",
    "portal.jobs",
    "vouchers",
    "customers",
    "billing",
    "renewals",
]

MIDDLEWARE = [
    "portal.health.HealthMiddleware",  # /healthz and /readyz, before host checks and redirects
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.IdleTimeoutMiddleware",
    "portal.tenancy.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.errors.PortalErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # the lockout page (portal.signin); last, as django-axes asks
]

# Sign-in throttling per account (django-axes), on top of portal.ratelimit's per-address limit: a
# password guessed from many addresses still locks the account for a while. Failures of unknown
# addresses count and lock exactly like real ones, so the lockout tells nothing about who has an
# account. Operator staff unlock at /operator/sign-in-lockouts/ (or `manage.py axes_reset_username`).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one: an account, or an address trying many
AXES_FAILURE_LIMIT = env.int("PORTAL_SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("PORTAL_SIGNIN_LOCKOUT_HOURS", default=0.25)  # hours; then the account unlocks
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "portal.signin.signin_username"
AXES_LOCKOUT_CALLABLE = "portal.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portal.signin.client_ip"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # operator staff see and unlock paused sign-ins in the operator console

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a paused sign-in never reaches the password check
    "django.contrib.auth.backends.ModelBackend",
    "portal.tenancy.backends.OperatorPermissionsBackend",  # operator staff: every admin permission
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

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
                "django.template.context_processors.i18n",
                "portal.tenancy.context_processors.tenant",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal")}
# Persistent connections: a new connection per request costs ~4x throughput on a small view.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The database role partner pages and API calls act as, under row-level security (portal.tenancy.rls);
# created by `migrate` if the connecting role may. Empty: no row-level security, ORM scoping only.
PORTAL_DB_APP_ROLE = env("PORTAL_DB_APP_ROLE", default="portal_app")

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Rate-limit counters and cached counts: a Redis that is down or slow costs a cache miss (and a
    # log line), never an error page (portal.cache).
    CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese")), ("fr", _("French")), ("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("PORTAL_DEFAULT_TIME_ZONE", default="UTC")  # default for new partners too (T-7)
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("PORTAL_MEDIA_ROOT", default=str(LOCAL_DIR / "media"))

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Partner Portal <no-reply@portal.example>")

# No single request may cost more than the largest legitimate one (a 50-line order is ~350 fields
# and a few kilobytes; an operator's price table form a few hundred rows): bigger bodies and more
# fields are refused with a 400 before any view runs. Formsets build only the rows posted
# (portal.formsets).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("PORTAL_MAX_REQUEST_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Content-Security-Policy on every response (django-csp): scripts and styles only from our own
# static files, no inline script anywhere (progressive enhancement lives in static/js/portal.js),
# forms post only here, nothing frames a page (only the invoice preview's PDF may be framed by the
# portal itself: billing.views.invoices.InvoiceFileView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'self'"],  # the invoice preview embeds its own PDF
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
# Signed out after this long without a request: operator staff, who can act in every partner's
# account, sooner than partner users (portal.middleware.IdleTimeoutMiddleware).
PORTAL_OPERATOR_IDLE_SECONDS = env.int("PORTAL_OPERATOR_IDLE_SECONDS", default=30 * 60)
PORTAL_SESSION_IDLE_SECONDS = env.int("PORTAL_SESSION_IDLE_SECONDS", default=8 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Portal ------------------------------------------------------------------------------------
# True under production settings: no demo data unless asked for, no published demo password.
PORTAL_PRODUCTION = False
PORTAL_SITE_URL = env("PORTAL_SITE_URL", default="http://127.0.0.1:8000")
# Rounding of money amounts after arithmetic (P-3 line prices, B-2 tax); a decimal module constant.
PORTAL_MONEY_ROUNDING = env("PORTAL_MONEY_ROUNDING", default="ROUND_HALF_UP")
# Public endpoints: requests per window per client (rate, seconds).
PORTAL_RATE_LIMITS = {
    "login": (env.int("PORTAL_LOGIN_RATE", default=10), 60),
    "password_reset": (5, 300),
    "signup": (10, 3600),
    "redeem": (env.int("PORTAL_REDEEM_RATE", default=20), 60),  # V-8: codes cannot be enumerated
    # Work anyone in a partner can ask for, per partner (not per client): e-mails to any address,
    # new whole-order PDFs (a running or fresh one is handed out again and does not count).
    "quote_email": (env.int("PORTAL_QUOTE_EMAIL_RATE", default=30), 3600),
    "order_pdf": (env.int("PORTAL_ORDER_PDF_RATE", default=20), 3600),
}
PORTAL_RATE_LIMIT_ENABLED = env.bool("PORTAL_RATE_LIMIT_ENABLED", default=True)
# B-2: the standard consumption tax rate (a fraction); also gives V-7's cost_plus_tax. A partner
# may have its own rate (Partner.tax_rate). Tax is rounded once per invoice with PORTAL_MONEY_ROUNDING.
PORTAL_TAX_RATE = env("PORTAL_TAX_RATE", default="0.10")
# B-2: who issues the invoices. The registration number is checked at start-up: a system check
# (billing/checks.py) that `check`, `migrate` and `python -m portal.serve` refuse to start on.
PORTAL_ISSUER = {
    "name": env("PORTAL_ISSUER_NAME", default="Partner Portal Distribution KK"),
    "address": env("PORTAL_ISSUER_ADDRESS", default="1-1-1 Otemachi, Chiyoda-ku, Tokyo 100-0004, Japan"),
    # The same in Japanese, for invoices issued in Japanese (B-2's Japanese conventions); empty: as above.
    "name_ja": env("PORTAL_ISSUER_NAME_JA", default="パートナーポータル・ディストリビューション株式会社"),
    "address_ja": env("PORTAL_ISSUER_ADDRESS_JA", default="〒100-0004 東京都千代田区大手町1-1-1"),
    "phone": env("PORTAL_ISSUER_PHONE", default="+81 3-0000-1111"),
    "fax": env("PORTAL_ISSUER_FAX", default="+81 3-0000-1112"),
    "registration_number": env("PORTAL_ISSUER_REGISTRATION_NUMBER", default="T8010001078218"),
    "bank": env("PORTAL_ISSUER_BANK", default="Example Bank, Otemachi branch, ordinary account 1234567"),
}
# B-7: how much credit a partner uses now (its balance row locked): billing provides it to the
# operator's credit-limit change (portal.tenancy.services.partner_contract_update).
PORTAL_CREDIT_IN_USE = "billing.services.ledger.credit_in_use_locked"
# R-6: renewal windows around a VIP customer's anniversary A (days): Upcoming from A − 90 until
# A − 30, Ready for renewal from A − 30 until A + 14.
PORTAL_RENEWAL_UPCOMING_DAYS = env.int("PORTAL_RENEWAL_UPCOMING_DAYS", default=90)
PORTAL_RENEWAL_READY_DAYS = env.int("PORTAL_RENEWAL_READY_DAYS", default=30)
PORTAL_RENEWAL_LATE_DAYS = env.int("PORTAL_RENEWAL_LATE_DAYS", default=14)
# V-9: the longest public TLS certificate lifetime in force (days); certificates never outlive their order.
PORTAL_MAX_TLS_LIFETIME_DAYS = env.int("PORTAL_MAX_TLS_LIFETIME_DAYS", default=199)

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.TenantPermission"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Partner API. Authenticate with `Authorization: Api-Key <key>`.\n\n"
        "Errors are `{\"errors\": [{\"field\", \"code\", \"message\"}]}` with status 400 (bad input, the "
        "field is named), 401 (not signed in), 403 (not allowed), 404 (not found: another partner's object "
        "answers exactly like a missing one) or 409 (conflicting state).\n\n"
        "Mutating requests accept an `Idempotency-Key` header: the same key with the same body replays the "
        "first response (header `Idempotent-Replay: true`); 409 `idempotency_in_progress` while the first is "
        "still running; 409 `idempotency_key_reused` when the key was used with another request body."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`: each set of choices gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "SubscriptionStatusEnum": "renewals.models.SubscriptionStatus",
        "RenewalColourEnum": "renewals.selectors.Colour",
    },
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = LOCAL_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = None
else:
    # Longer than the longest task, so a task running late is not delivered twice. Short socket
    # timeouts: a request hands its outbox messages over once and never waits on a lost broker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600, "socket_connect_timeout": 2,
                                       "socket_timeout": 5}
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
    CELERY_RESULT_BACKEND = REDIS_URL
# A queue per kind of work, so each kind gets its own workers (docker-compose.yml, README): PDFs
# (seconds of CPU each) on `documents`, e-mails (waiting on a mail server) on `mail`, the rest
# (scheduled jobs, the outbox relay) on `default`. A worker started without -Q consumes all three
# (`make run`, tests' workers). The outbox's deliveries take the queue of the task they carry.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {name: {} for name in ("default", "documents", "mail")}
CELERY_TASK_ROUTES = {
    "billing.tasks.share_invoice_documents": {"queue": "documents"},
    "billing.tasks.render_and_mail_invoices": {"queue": "documents"},
    "billing.tasks.build_invoice_document": {"queue": "documents"},
    "billing.tasks.build_quote_pdf": {"queue": "documents"},
    "vouchers.tasks.build_order_pdf": {"queue": "documents"},
    "*_email": {"queue": "mail"},
    "*_emails": {"queue": "mail"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 3 * 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(LOCAL_DIR / "celerybeat-schedule")
# The jobs of SPEC J; each task runs per partner "today" and is idempotent (portal.jobs).
CELERY_BEAT_SCHEDULE = {
    # The transactional outbox (portal.outbox): e-mails and tasks written with their changes.
    "relay-outbox": {"task": "portal.outbox.relay", "schedule": env.float("PORTAL_OUTBOX_RELAY_SECONDS", default=10)},
    # Long work whose worker died is shown as failed (portal.jobs.progress heartbeats).
    "sweep-stale-progress": {"task": "portal.jobs.tasks.sweep_stale_progress", "schedule": 60.0},
    "expire-vouchers": {"task": "vouchers.tasks.expire_vouchers", "schedule": crontab(minute=5)},
    "flag-overdue-pas": {"task": "customers.tasks.flag_overdue_pas", "schedule": crontab(minute=10)},
    "monthly-invoices": {"task": "billing.tasks.issue_monthly_invoices", "schedule": crontab(minute=15)},
    "renewal-notices": {"task": "renewals.tasks.send_renewal_notices", "schedule": crontab(minute=20)},
    "deactivate-lapsed-licences": {"task": "renewals.tasks.deactivate_lapsed_licences",
                                   "schedule": crontab(minute=22)},
    "low-balance-notices": {"task": "billing.tasks.send_low_balance_notices", "schedule": crontab(minute=25)},
    "overdue-invoices": {"task": "billing.tasks.flag_overdue_invoices", "schedule": crontab(minute=30)},
    # Housekeeping: Idempotency-Key records older than a day.
    "purge-idempotency-keys": {"task": "portal.api.tasks.purge_idempotency_keys",
                               "schedule": crontab(minute=40, hour=3)},
}

# One handler for everything (Django's own "django" handler would print each record a second time
# in DEBUG); a 4xx is one line, without a traceback (portal.logfilters).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_one_line": {"()": "portal.logfilters.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["client_errors_one_line"]},
        "django.server": {"handlers": [], "propagate": True},
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "pgserver", "axes")},
    },
}
