from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.tenancy.scoping import TenantModel


class JobRun(models.Model):
    """One finished run of a scheduled job for one period (a day, a month) and scope (a partner).

    The unique (job, period, scope) row is written in the same transaction as the job's work, so
    a duplicated beat, a retried task or a second worker finds it and does nothing."""

    job = models.CharField(_("job"), max_length=64)
    period = models.CharField(_("period"), max_length=32)
    scope = models.CharField(_("scope"), max_length=64, default="")
    finished_at = models.DateTimeField(_("finished"), auto_now_add=True)
    result = models.JSONField(_("result"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-finished_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period", "scope"], name="job_run_once")]

    def __str__(self) -> str:
        return f"{self.job} {self.period} {self.scope}".strip()


class ProgressStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TaskProgress(TenantModel):
    """Long work a person waits for (U-3): a whole-order PDF, a big export, an invoice run.

    The request creates the row and enqueues the task after commit; the task reports `done` of
    `total` and finally stores its file; the status page and endpoint read the row."""

    kind = models.CharField(_("kind"), max_length=64)
    subject_id = models.CharField(_("subject"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    file = models.FileField(_("file"), upload_to="tasks/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # What the file is made of (for a whole-order PDF: which codes are Active), so a finished file
    # is handed out again while its subject is unchanged instead of rendering it anew.
    version = models.CharField(_("version"), max_length=64, blank=True)
    # Written by the running task at least every progress.HEARTBEAT_SECONDS: a job whose worker died
    # stops beating and is shown as failed (progress.progress_sweep_stale).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if self.status == ProgressStatus.DONE else int(100 * self.done / self.total) if self.total else 0


class OutboxMessage(models.Model):
    """A task to run (an e-mail to send, a PDF to render), written in the same transaction as the
    change that calls for it (portal.outbox). A broker outage delays it, never loses it: the relay
    hands it to Celery until a worker has run it once."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    available_at = models.DateTimeField(_("due"), db_default=models.functions.Now())
    relayed_at = models.DateTimeField(_("handed to the broker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["available_at"], condition=models.Q(done_at__isnull=True,
                                                                             failed_at__isnull=True),
                                name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class DocumentRender(models.Model):
    """One document rendered by a worker (an invoice PDF, a statement, a whole-order PDF): which
    worker made it and when. Each document is claimed before it is rendered (portal.jobs.claims),
    so a document appears here once, however many workers share the queue; two rows for one
    document would mean it was laid out twice."""

    kind = models.CharField(_("kind"), max_length=64)
    subject_id = models.CharField(_("subject"), max_length=64)
    worker = models.CharField(_("worker"), max_length=200)
    seconds = models.FloatField(_("seconds"))
    rendered_at = models.DateTimeField(_("rendered"), auto_now_add=True)

    class Meta:
        verbose_name = _("document render")
        verbose_name_plural = _("document renders")
        ordering = ["-rendered_at"]
        indexes = [models.Index(fields=["kind", "subject_id"], name="document_render_subject")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id} ({self.worker})"
