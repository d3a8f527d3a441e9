"""Test settings: real PostgreSQL (DATABASE_URL), e-mail in memory, fast password hashing."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory; the fault-injection tests' worker processes write files they can count instead.
EMAIL_BACKEND = env("PORTAL_TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("PORTAL_TEST_EMAIL_DIR", default="/tmp/portal-test-mail")  # noqa: S108
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
MEDIA_ROOT = env("PORTAL_MEDIA_ROOT", default="/tmp/portal-test-media")  # noqa: S108
# Tasks run in-process unless a test starts a real worker (tests/portal/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that move the clock (timezone.now, time.time) would sign their own sessions out; the idle
# timeouts are tested on their own (tests/portal/test_session_hygiene.py sets them).
PORTAL_OPERATOR_IDLE_SECONDS = PORTAL_SESSION_IDLE_SECONDS = 10 * 365 * 24 * 3600
