from zoneinfo import ZoneInfo

from django.utils import timezone

from .context import resolve_tenant


class TenantMiddleware:
    """Sets `request.tenant` (a Tenant or None) once per request, after authentication, and shows
    times on the partner's wall clock (T-7 time zone); outside a partner account, on the signed-in
    person's (U-2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = resolve_tenant(request)
        if request.tenant is not None:
            timezone.activate(ZoneInfo(request.tenant.partner.time_zone))
        elif request.user.is_authenticated:  # end customers, operator screens: the person's own zone
            timezone.activate(ZoneInfo(request.user.viewer_time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
