"""Developer machine: `make run` and manage.py without any configuration."""

from .base import *  # noqa: F403
from .base import LOCAL_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# E-mails are kept in .local/mail/ (one .eml file each, one console line each) and listed for
# operator staff at /dev/mail/ (portal.mailbox); set EMAIL_BACKEND to send them instead.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="portal.mailbox.LocalMailboxBackend")
PORTAL_MAILBOX_DIR = env("PORTAL_MAILBOX_DIR", default=str(LOCAL_DIR / "mail"))
# make run serves static files through WhiteNoise straight from static/ (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
