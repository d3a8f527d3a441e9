"""Progress of long work (U-3): start it from a request, report from the task, finish with a file.

    progress = progress_start(tenant=request.tenant, kind="voucher_order_pdf", subject_id=order.pk,
                              total=1000, task=build_order_pdf)      # enqueued after commit
    # in the task:
    progress = progress_running(progress_id)
    progress_advance(progress_id, by=250)
    progress_finish(progress_id, filename="order-7.pdf", content=pdf_bytes)
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.tenancy.context import Tenant
from portal.tenancy.roles import Perm

from .models import ProgressStatus, TaskProgress

# What a person must be allowed to do to follow or download each kind of work: its file holds
# what that permission guards (a whole-order PDF holds every code). Unregistered kinds are shown
# to nobody.
_KIND_PERMS: dict[str, Perm] = {}


def progress_kind(kind: str, *, perm: Perm) -> None:
    """Register a kind of long work (from the owning app's AppConfig.ready)."""
    _KIND_PERMS[kind] = perm


def progress_visible(*, tenant: Tenant):
    """The tenant's progress rows of the kinds its role may see."""
    kinds = [kind for kind, perm in _KIND_PERMS.items() if tenant.can(perm)]
    return TaskProgress.objects.for_tenant(tenant).filter(kind__in=kinds)


def progress_start(*, tenant: Tenant, kind: str, subject_id, total: int, task) -> TaskProgress:
    """Create the progress row and `task(progress_id)` in the outbox, in one transaction."""
    from portal.outbox import outbox_enqueue

    with transaction.atomic():
        progress = TaskProgress.objects.create(partner=tenant.partner, kind=kind, subject_id=str(subject_id),
                                               total=total, created_by=tenant.user)
        outbox_enqueue(task, progress.pk)
    return progress


def progress_running(progress_id: int) -> TaskProgress:
    TaskProgress.unscoped.filter(pk=progress_id).update(status=ProgressStatus.RUNNING, done=0)
    return TaskProgress.unscoped.select_related("partner").get(pk=progress_id)


def progress_advance(progress_id: int, *, by: int) -> None:
    """Count finished units; committed at once so the status page sees it while the task runs."""
    with transaction.atomic():
        TaskProgress.unscoped.filter(pk=progress_id).update(done=F("done") + by)


def progress_finish(progress_id: int, *, filename: str, content: bytes) -> None:
    progress = TaskProgress.unscoped.get(pk=progress_id)
    progress.file.save(filename, ContentFile(content), save=False)
    progress.filename, progress.status, progress.done = filename, ProgressStatus.DONE, progress.total
    progress.finished_at = timezone.now()
    progress.save(update_fields=["file", "filename", "status", "done", "finished_at"])


def progress_fail(progress_id: int, *, error: str) -> None:
    TaskProgress.unscoped.filter(pk=progress_id).update(status=ProgressStatus.FAILED, error=error[:500],
                                                        finished_at=timezone.now())
