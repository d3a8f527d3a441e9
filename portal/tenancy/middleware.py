from .context import resolve_tenant


class TenantMiddleware:
    """Sets `request.tenant` (a Tenant or None) once per request, after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = resolve_tenant(request)
        return self.get_response(request)
