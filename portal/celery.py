"""The Celery application. Schedules live in settings.CELERY_BEAT_SCHEDULE."""

import os

from celery import Celery
from celery.signals import celeryd_after_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(lambda: ["portal"], related_name="outbox")  # the outbox's deliver and relay

# This worker's node name (`-n documents1@host`), for records of who did the work (portal.jobs.claims).
WORKER_NODE = {"name": ""}


@celeryd_after_setup.connect
def _remember_node_name(sender, **_kwargs) -> None:
    WORKER_NODE["name"] = sender
