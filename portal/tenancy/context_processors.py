from portal.tenancy.context import memberships_of
from portal.tenancy.roles import Perm


class _PermLookup:
    """`{% if perms_for.vouchers_view %}` in templates, from the tenant's role."""

    def __init__(self, tenant):
        self._tenant = tenant

    def __getattr__(self, name: str) -> bool:
        try:
            perm = Perm[name.upper()]
        except KeyError:
            return False
        return bool(self._tenant and self._tenant.can(perm))


def tenant(request):
    current = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    memberships = getattr(request, "memberships", None)  # read by resolve_tenant already
    if memberships is None:
        memberships = memberships_of(user) if user is not None and user.is_authenticated else []
    return {"tenant": current, "can": _PermLookup(current), "memberships": memberships}
