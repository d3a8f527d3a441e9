"""Progress of long work (U-3): start it from a request, report from the task, finish with a file.

    progress = progress_start(tenant=request.tenant, kind="voucher_order_pdf", subject_id=order.pk,
                              total=1000, task=build_order_pdf)      # enqueued after commit
    # the task's body: take the job, make its file with a heartbeat, finish (or mark it failed)
    progress_job(progress_id, lambda progress: ("order-7.pdf", render(progress)))
    progress_advance(progress_id, by=250)    # while it renders
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.tenancy.context import Tenant
from portal.tenancy.roles import Perm

from .models import ProgressStatus, TaskProgress

# What a person must be allowed to do to follow or download each kind of work: its file holds
# what that permission guards (a whole-order PDF holds every code). Unregistered kinds are shown
# to nobody.
_KIND_PERMS: dict[str, Perm] = {}
# The page the work was started from (a URL name taking the subject id), for the status page's
# way back (U-3).
_KIND_SUBJECT_URLS: dict[str, str] = {}


_KIND_RETRY: dict[str, str] = {}


def progress_kind(kind: str, *, perm: Perm, subject_url: str = "", retry_url: str = "") -> None:
    """Register a kind of long work (from the owning app's AppConfig.ready). `subject_url` names
    the page the work was started from, `retry_url` the URL a *Try again* button posts to when a
    job of this kind failed; both take the subject's id."""
    _KIND_PERMS[kind] = perm
    if subject_url:
        _KIND_SUBJECT_URLS[kind] = subject_url
    if retry_url:
        _KIND_RETRY[kind] = retry_url


def progress_subject_url(progress: TaskProgress) -> str:
    from django.urls import reverse

    name = _KIND_SUBJECT_URLS.get(progress.kind)
    return reverse(name, args=[progress.subject_id]) if name and progress.subject_id else ""


def progress_retry_url(progress: TaskProgress) -> str | None:
    """Where *Try again* posts for a failed job, or None."""
    from django.urls import reverse

    name = _KIND_RETRY.get(progress.kind)
    return reverse(name, args=[progress.subject_id]) if name and progress.status == ProgressStatus.FAILED else None


def progress_visible(*, tenant: Tenant):
    """The tenant's progress rows of the kinds its role may see."""
    kinds = [kind for kind, perm in _KIND_PERMS.items() if tenant.can(perm)]
    return TaskProgress.objects.for_tenant(tenant).filter(kind__in=kinds)


def progress_start(*, tenant: Tenant, kind: str, subject_id, total: int, task, version: str = "") -> TaskProgress:
    """Create the progress row and `task(progress_id)` in the outbox, in one transaction."""
    from portal.outbox import outbox_enqueue

    with transaction.atomic():
        progress = TaskProgress.objects.create(partner=tenant.partner, kind=kind, subject_id=str(subject_id),
                                               total=total, created_by=tenant.user, version=version)
        outbox_enqueue(task, progress.pk)
    return progress


def progress_current(*, tenant: Tenant, kind: str, subject_id, version: str) -> TaskProgress | None:
    """The job to hand out instead of starting another for the same thing: one still queued or
    running (and alive), or one done from the same `version` of its subject whose file is there."""
    jobs = TaskProgress.objects.for_partner(tenant.partner).filter(kind=kind, subject_id=str(subject_id))
    for job in jobs.filter(status__in=[ProgressStatus.QUEUED, ProgressStatus.RUNNING]).order_by("-created_at"):
        if not progress_fail_if_stale(job):
            return job
    done = jobs.filter(status=ProgressStatus.DONE, version=version).exclude(file="").order_by("-created_at").first()
    return done


def progress_claim(progress_id: int) -> TaskProgress | None:
    """Take a queued job for this worker: Queued becomes Running in one conditional UPDATE, so of
    several workers handed the same job exactly one gets it. None for a job already taken, done or
    given up (a worker that died mid-job leaves it Running, to be marked Failed by the sweep)."""
    taken = TaskProgress.unscoped.filter(pk=progress_id, status=ProgressStatus.QUEUED).update(
        status=ProgressStatus.RUNNING, done=0, heartbeat_at=timezone.now())
    return TaskProgress.unscoped.select_related("partner").get(pk=progress_id) if taken else None


def progress_job(progress_id: int, make: Callable[[TaskProgress], tuple[str, bytes]]) -> None:
    """The body of a task that makes a job's file: take the job (progress_claim; nothing to do when
    another worker took it, or it is done or given up), call `make(progress)` for its (filename,
    content) under a heartbeat, and finish the job with that file. Any failure marks the job Failed
    (the waiting page says so and offers *Try again*) and is re-raised for the worker's log; no
    retry, since a rendering error is not transient. A killed worker's beats stop, so the sweep
    marks its job failed rather than running for hours."""
    progress = progress_claim(progress_id)
    if progress is None:
        return
    try:
        with progress_heartbeat(progress_id):
            filename, content = make(progress)
        progress_finish(progress_id, filename=filename, content=content)
    except Exception as error:
        progress_fail(progress_id, error=f"{type(error).__name__}: {error}")
        raise


def progress_running(progress_id: int) -> TaskProgress:
    TaskProgress.unscoped.filter(pk=progress_id).update(status=ProgressStatus.RUNNING, done=0,
                                                        heartbeat_at=timezone.now())
    return TaskProgress.unscoped.select_related("partner").get(pk=progress_id)


def progress_advance(progress_id: int, *, by: int) -> None:
    """Count finished units; committed at once so the status page sees it while the task runs."""
    with transaction.atomic():
        TaskProgress.unscoped.filter(pk=progress_id).update(done=F("done") + by, heartbeat_at=timezone.now())


# --- a job whose worker died (U-3: nothing stays "running" for hours) ---------------------------

HEARTBEAT_SECONDS = float(os.environ.get("PORTAL_PROGRESS_HEARTBEAT_SECONDS", 15))  # a running job's sign of life
STALE_AFTER = timedelta(seconds=90)  # no sign of life for this long: its worker is gone
QUEUED_STALE_AFTER = timedelta(minutes=30)  # never started this long after it was asked for


@contextmanager
def progress_heartbeat(progress_id: int):
    """While the block runs, a thread of this process writes the job's sign of life. A worker that
    is killed takes the thread with it, so the beats stop and the job is seen as dead."""
    stop = threading.Event()

    def beat():
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                TaskProgress.unscoped.filter(pk=progress_id, status=ProgressStatus.RUNNING).update(
                    heartbeat_at=timezone.now())
            finally:
                connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"progress-heartbeat-{progress_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _stale(now) -> Q:
    return (Q(status=ProgressStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
            | Q(status=ProgressStatus.QUEUED, created_at__lt=now - QUEUED_STALE_AFTER))


def progress_fail_if_stale(progress: TaskProgress) -> bool:
    """Mark the job Failed if its worker stopped beating (or it never started); True if it is."""
    failed = TaskProgress.unscoped.filter(_stale(timezone.now()), pk=progress.pk).update(
        status=ProgressStatus.FAILED, error=STALE_ERROR, finished_at=timezone.now())
    if failed:
        progress.refresh_from_db()
    return progress.status == ProgressStatus.FAILED


def progress_sweep_stale() -> int:
    """The periodic sweep: every job whose worker died is marked Failed (the page then offers
    *Try again*). Not re-run by itself: a job that kills its worker would kill the next one too."""
    return TaskProgress.unscoped.filter(_stale(timezone.now())).update(
        status=ProgressStatus.FAILED, error=STALE_ERROR, finished_at=timezone.now())


STALE_ERROR = "stopped: the worker running it went away"


def progress_finish(progress_id: int, *, filename: str, content: bytes) -> None:
    progress = TaskProgress.unscoped.get(pk=progress_id)
    progress.file.save(filename, ContentFile(content), save=False)
    progress.filename, progress.status, progress.done = filename, ProgressStatus.DONE, progress.total
    progress.finished_at = timezone.now()
    progress.save(update_fields=["file", "filename", "status", "done", "finished_at"])


def progress_fail(progress_id: int, *, error: str) -> None:
    TaskProgress.unscoped.filter(pk=progress_id).update(status=ProgressStatus.FAILED, error=error[:500],
                                                        finished_at=timezone.now())
