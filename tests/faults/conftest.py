import os

import pytest

from portal.celery import app
from portal.outbox import outbox_hand_overs_wait
from tests.faults.workers import NO_REDIS, REDIS_URL, forget_connections

UNREACHABLE = "redis://127.0.0.1:9/0"


@pytest.fixture(autouse=True)
def _redis_or_skip():
    """Real workers need a real Redis: skipped loudly without one, and a failure under CI, which
    always has one (a skipped fault test there would hide that it never ran)."""
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail(NO_REDIS)
        pytest.skip(NO_REDIS)


@pytest.fixture
def broker(settings):
    """This process publishes to the real Redis broker; `down()` makes it unreachable, `up()` brings
    it back."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    state = {}

    def up():
        app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
        forget_connections()

    def down():
        app.conf.update(broker_url=UNREACHABLE)
        forget_connections()

    state.update(up=up, down=down)
    up()
    yield state
    outbox_hand_overs_wait()
    app.conf.update(saved)
    forget_connections()
