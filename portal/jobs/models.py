from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


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
