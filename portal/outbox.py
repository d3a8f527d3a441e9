"""The transactional outbox: every e-mail and task a change calls for is a row written in the
change's own transaction, and reaches Celery only after the commit.

    with transaction.atomic():
        order = ...                                              # the change
        outbox_enqueue(send_vouchers_delivered_email, order.pk)  # the side effect, same transaction

What it guarantees:
- The request succeeds or fails as a whole: a rolled-back change leaves no message, and a broker
  that is down never turns a committed change into an error page (the hand-over after commit is
  one quick attempt, logged when it fails).
- Nothing is lost: a message not yet handed over is picked up by `relay_outbox`, a periodic task
  (settings.CELERY_BEAT_SCHEDULE, every few seconds), once the broker answers again.
- Each message runs once: the worker claims the row before running the task and marks it done
  after, so a message handed over twice (the relay and the after-commit attempt racing, or a relay
  that died between publishing and recording it) is run by the first claim only. A task that fails
  is released and retried by the relay with a growing delay, and given up after MAX_ATTEMPTS.
  A worker killed while running a task leaves its claim to expire (CLAIM_TIMEOUT), after which the
  relay hands the message out again: tasks stay idempotent (STYLE 10) for that case.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from datetime import timedelta

from celery import current_app, shared_task
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.jobs.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=30)  # longer than any task run from the outbox
RELAY_BATCH = 500
# Hand-over after commit: one attempt, no retries, so a request never waits on a lost broker.
PUBLISH_OPTIONS = {"retry": False, "ignore_result": True}


def outbox_enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Write `task(*args, **kwargs)` to the outbox in the current transaction; it is handed to
    Celery when the transaction commits (or by the relay, if the broker is away). Arguments must
    be JSON (ids and dates as strings), as for any task."""
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: _hand_over_soon(message.pk))
    return message


def outbox_enqueue_many(task, calls: list[tuple]) -> list[OutboxMessage]:
    """`outbox_enqueue(task, *args)` for each tuple of arguments in `calls`, in one INSERT (a run
    that hands thousands of documents to the workers in batches)."""
    name = task if isinstance(task, str) else task.name
    messages = OutboxMessage.objects.bulk_create([OutboxMessage(task=name, args=list(args), kwargs={})
                                                  for args in calls])
    for message in messages:
        transaction.on_commit(lambda pk=message.pk: _hand_over_soon(pk))
    return messages


def _publish(message_id: int, task: str | None = None) -> None:
    """Hand one message to Celery, on the queue of the task it carries (a PDF on `documents`, an
    e-mail on `mail`: settings.CELERY_TASK_ROUTES), so each kind of work reaches its own workers."""
    task = task or OutboxMessage.objects.values_list("task", flat=True).get(pk=message_id)
    queue = current_app.amqp.router.route({}, task)["queue"]
    deliver_outbox_message.apply_async((message_id,), queue=queue, **PUBLISH_OPTIONS)


def _hand_over_soon(message_id: int) -> None:
    """After commit: an in-process (eager) Celery runs the task now, as delay_on_commit would;
    otherwise the process's courier thread publishes it, so the response never waits on the broker
    (a lost broker costs the client library seconds of reconnecting)."""
    if current_app.conf.task_always_eager:
        _hand_over([message_id])  # tests: a task's own error shows, as with delay_on_commit
    else:
        _courier().put(message_id)


def _hand_over(message_ids: list[int]) -> int:
    """Publish messages and mark them handed over; the first refusal leaves it and the rest for
    the relay. Returns how many went."""
    tasks = dict(OutboxMessage.objects.filter(pk__in=message_ids).values_list("id", "task"))
    for sent, message_id in enumerate(message_ids):
        try:
            if current_app.conf.task_always_eager:  # the task runs inside apply_async: mark it first
                OutboxMessage.objects.filter(pk=message_id).update(relayed_at=timezone.now())
            _publish(message_id, tasks.get(message_id))
        except Exception as error:
            if current_app.conf.task_always_eager:
                raise
            # A broker that is down or unreachable: the relay retries, nobody sees an error.
            logger.warning("outbox: %d message(s) stay queued, the broker refused them: %s",
                           len(message_ids) - sent, error)
            return sent
        OutboxMessage.objects.filter(pk=message_id).update(relayed_at=timezone.now())
    return len(message_ids)


class _Courier:
    """One daemon thread per process publishing the ids its requests committed."""

    def __init__(self):
        self.pid = os.getpid()
        self.queue: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._run, name="outbox-courier", daemon=True).start()

    def put(self, message_id: int) -> None:
        self.queue.put(message_id)

    def _run(self) -> None:
        while True:
            message_id = self.queue.get()
            try:
                _hand_over([message_id])
            except Exception:  # never let the thread die; the relay has the message anyway
                logger.exception("outbox: hand-over of message %s failed", message_id)
            finally:
                close_old_connections()
                self.queue.task_done()


_courier_instance: _Courier | None = None
_courier_lock = threading.Lock()


def _courier() -> _Courier:
    global _courier_instance
    with _courier_lock:
        if _courier_instance is None or _courier_instance.pid != os.getpid():  # a forked worker gets its own
            _courier_instance = _Courier()
        return _courier_instance


def outbox_hand_overs_wait() -> None:
    """Wait until this process's courier has tried every message given to it (tests, shutdown)."""
    if _courier_instance is not None and _courier_instance.pid == os.getpid():
        _courier_instance.queue.join()


def _due() -> Q:
    """Messages to hand to Celery: never handed over, or handed over but not run (a lost message,
    a failure released for a retry, a claim whose worker died) once they are due."""
    now = timezone.now()
    unclaimed = Q(started_at__isnull=True) | Q(started_at__lt=now - CLAIM_TIMEOUT)
    stale = Q(relayed_at__lt=now - timedelta(minutes=5))
    return Q(done_at__isnull=True, failed_at__isnull=True, available_at__lte=now) & unclaimed & (
        Q(relayed_at__isnull=True) | stale)


def outbox_relay() -> int:
    """Hand every due message to Celery (oldest first). Safe to run concurrently: rows another
    relay is taking are skipped, and a message published twice still runs once (`_claim`)."""
    with transaction.atomic():
        ids = list(OutboxMessage.objects.select_for_update(skip_locked=True).filter(_due())
                   .order_by("id").values_list("id", flat=True)[:RELAY_BATCH])
    return _hand_over(ids) if ids else 0


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        Q(started_at__isnull=True) | Q(started_at__lt=now - CLAIM_TIMEOUT),
        pk=message_id, done_at__isnull=True, failed_at__isnull=True,
    ).update(started_at=now, attempts=F("attempts") + 1)
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


def _release(message: OutboxMessage, error: Exception) -> None:
    """A failed run: retried by the relay after 30 s, 1, 2, 4 … minutes; given up after MAX_ATTEMPTS."""
    now = timezone.now()
    delay = timedelta(seconds=30 * 2 ** (message.attempts - 1))
    OutboxMessage.objects.filter(pk=message.pk).update(
        started_at=None, relayed_at=None, available_at=now + delay, last_error=f"{type(error).__name__}: {error}"[:500],
        failed_at=now if message.attempts >= MAX_ATTEMPTS else None)


@shared_task(name="portal.outbox.deliver", ignore_result=True, acks_late=True)
def deliver_outbox_message(message_id: int) -> None:
    """Run one outbox message's task here, once: claimed first, marked done after."""
    message = _claim(message_id)
    if message is None:
        return  # done already, given up, or running in another worker
    task = current_app.tasks[message.task]
    run = getattr(task, "_orig_run", task.run)  # the task's own function, without Celery's autoretry
    try:
        run(*message.args, **message.kwargs)
    except Exception as error:
        _release(message, error)
        raise
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now())


@shared_task(name="portal.outbox.relay", ignore_result=True)
def relay_outbox() -> int:
    return outbox_relay()
