"""HTML view base: sign-in, the request's tenant, the role table, tenant-scoped querysets.

    class AuditEntryDetail(TenantObjectMixin, DetailView):
        model = AuditEntry
        permission = Perm.AUDIT_VIEW

`get_queryset()` is `model.objects.for_tenant(request.tenant)`, so a foreign id is a 404 exactly
like a missing one. A view without a tenant (operator console, end-customer pages) does not use
these mixins and scopes by its own user.
"""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from .context import Tenant
from .rls import rls_enter
from .roles import Perm


class TenantRequiredMixin(AccessMixin):
    permission: Perm | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.tenant is None:
            if request.user.is_operator:
                return redirect("operator_home")
            return render(request, "tenancy/no_partner.html", status=403)
        if self.permission is not None and not request.tenant.can(self.permission):
            raise PermissionDenied
        rls_enter(request.tenant)  # the database, too, shows this partner's rows only (portal.tenancy.rls)
        return super().dispatch(request, *args, **kwargs)

    @property
    def tenant(self) -> Tenant:
        return self.request.tenant


class TenantObjectMixin(TenantRequiredMixin):
    model = None

    def get_queryset(self):
        return self.model.objects.for_tenant(self.request.tenant)


class OperatorRequiredMixin(AccessMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.is_operator:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
