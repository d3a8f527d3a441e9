from rest_framework import permissions

from portal.tenancy.context import Tenant


class TenantPermission(permissions.BasePermission):
    """Needs a tenant (session membership, consented delegation, or API key) whose role grants the
    view's `required_perms[action]` (or `required_perm`). Views declare what they need; the role
    table in portal.tenancy.roles decides."""

    def has_permission(self, request, view) -> bool:
        tenant: Tenant | None = getattr(request, "tenant", None)
        if tenant is None:
            return False
        perm = view.required_perm_for(request)
        return perm is None or tenant.can(perm)
