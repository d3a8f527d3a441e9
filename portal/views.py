from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from portal.ratelimit import rate_limited
from portal.tenancy.mixins import TenantRequiredMixin
from portal.tenancy.roles import Perm
from portal.tenancy.services import billing_contact_missing_fields


class DashboardView(TenantRequiredMixin, TemplateView):
    permission = Perm.DASHBOARD_VIEW
    template_name = "dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        # End customers belong to no partner: their home is their certificate requests.
        if request.user.is_authenticated and request.tenant is None and not request.user.is_operator:
            return redirect("my_requests")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        missing = billing_contact_missing_fields(self.tenant.partner)
        return super().get_context_data(billing_contact_incomplete=bool(missing), **kwargs)


@method_decorator(rate_limited("login"), name="dispatch")
class LoginView(auth_views.LoginView):
    """Signing in also switches the interface to the person's own language (they can change it)."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.get_user().language, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE, max_age=365 * 24 * 3600)
        return response


@method_decorator(rate_limited("password_reset"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    pass
