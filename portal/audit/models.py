from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.appendonly import AppendOnlyError, AppendOnlyManager, AppendOnlyMixin, AppendOnlyQuerySet
from portal.tenancy.scoping import TenantModel

__all__ = ["AppendOnlyError", "AuditEntry"]


class AuditEntry(AppendOnlyMixin, TenantModel):
    """One state change (T-5). Append-only: the model, its querysets and a database trigger all
    refuse updates and deletes. `partner` is null for operator-level changes (products)."""

    partner = models.ForeignKey(  # indexed by audit_partner_recent, which leads with it
        "tenancy.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("partner"), db_index=False,
    )
    # Read by partner (audit_partner_recent); across partners only by the admin, newest id first.
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(  # indexed below where set (a job's entries have none)
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("who"), db_index=False,
    )
    actor_detail = models.CharField(_("via"), max_length=64, blank=True)
    delegated = models.BooleanField(_("operator acting for the partner"), default=False)
    action = models.CharField(_("action"), max_length=64)  # indexed below (no LIKE-pattern twin)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    objects = AppendOnlyManager()
    unscoped = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        # Every index is written by every entry (a monthly run writes one per partner): no spare ones.
        indexes = [models.Index(fields=["partner", "-created_at"], name="audit_partner_recent"),
                   models.Index(fields=["action"], name="audit_action"),
                   models.Index(fields=["actor"], name="audit_actor", condition=Q(actor__isnull=False))]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
