"""The one tenant-scoping mechanism (T-2).

Every tenant-owned model inherits `TenantModel`. Its default manager refuses to run a query
that was not scoped first: `Model.objects.filter(...)` raises `UnscopedQueryError`, while
`Model.objects.for_tenant(request.tenant)` (or `.for_partner(partner)`) returns a queryset
limited to that partner and, for reseller users, to their reseller. Code that really needs
every partner's rows (operator screens, jobs) says so with `Model.unscoped`.

Because Django's ModelForm validation queries through the default manager, tenant models are
edited with plain forms whose cleaned data goes to a service (STYLE 4), not with ModelForms.
The one exception is the operator's Django admin (portal/admin_base.py): Django's own admin code
(inline formsets, unique and constraint checks, related-field widgets and filters) queries
`_default_manager`, so the admin's shared base runs each of its views inside `every_partner()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, ClassVar

from django.db import models

if TYPE_CHECKING:
    from .context import Tenant
    from .models import Partner


class UnscopedQueryError(RuntimeError):
    pass


_EVERY_PARTNER: ContextVar[bool] = ContextVar("every_partner", default=False)


@contextmanager
def every_partner() -> Iterator[None]:
    """Within this block (this thread or task only), `Model.objects` of tenant models answers like
    `Model.unscoped`. For the operator's cross-partner admin only: its shared base is the one caller."""
    token = _EVERY_PARTNER.set(True)
    try:
        yield
    finally:
        _EVERY_PARTNER.reset(token)


class TenantQuerySet(models.QuerySet):
    def for_partner(self, partner: Partner) -> TenantQuerySet:
        return self.filter(**{self.model.partner_path: partner})

    def for_tenant(self, tenant: Tenant) -> TenantQuerySet:
        qs = self.for_partner(tenant.partner)
        if tenant.reseller is None:
            return qs
        reseller_path = self.model.reseller_path
        if reseller_path is None:
            return qs.none()  # fail closed: rows without a reseller are the partner's own
        return qs.filter(**{reseller_path: tenant.reseller.pk})


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    def get_queryset(self) -> TenantQuerySet:
        # Related managers (partner.things.all()) are scoped by their foreign key already.
        if getattr(self, "core_filters", None) or _EVERY_PARTNER.get():
            return super().get_queryset()
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects must be scoped: use .for_tenant(tenant) or "
            f".for_partner(partner), or {self.model.__name__}.unscoped where every partner is meant."
        )

    def _all_rows(self) -> TenantQuerySet:
        return super().get_queryset()

    def for_partner(self, partner: Partner) -> TenantQuerySet:
        return self._all_rows().for_partner(partner)

    def for_tenant(self, tenant: Tenant) -> TenantQuerySet:
        return self._all_rows().for_tenant(tenant)

    def create(self, **kwargs):
        return self._all_rows().create(**kwargs)

    def bulk_create(self, objs, **kwargs):
        return self._all_rows().bulk_create(objs, **kwargs)


class TenantModel(models.Model):
    """Abstract base of every row that belongs to a partner."""

    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")

    partner_path: ClassVar[str] = "partner"
    # Lookup from this model to its reseller; None means the row is the partner's own and
    # reseller users never see it.
    reseller_path: ClassVar[str | None] = None

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012 (ruff reads a second manager as a field)

    class Meta:
        abstract = True
