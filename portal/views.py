from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from portal.dates import end_of_month, local_today
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
        return super().get_context_data(billing_contact_incomplete=bool(missing), tiles=dashboard_tiles(self.tenant),
                                        **kwargs)


def dashboard_tiles(tenant) -> dict:
    """R-3: what the role may see, each tile one query at most (companies to renew is cached until
    the partner's customers or subscriptions change)."""
    from billing.selectors import balance_available, invoices_unpaid
    from customers.selectors import pa_counts
    from renewals.selectors import companies_to_renew, licence_years_left
    from vouchers.selectors import codes_expiring

    today = local_today(tenant.partner.time_zone)
    tiles = {}
    if tenant.can(Perm.RENEWALS_VIEW):
        tiles["to_renew"] = companies_to_renew(tenant=tenant, today=today)
    if tenant.can(Perm.CUSTOMERS_VIEW):
        tiles["pas"] = pa_counts(tenant=tenant)
    if tenant.can(Perm.VOUCHERS_VIEW):
        tiles["expiring"] = codes_expiring(tenant=tenant, today=today, until=end_of_month(today))
    if tenant.can(Perm.BALANCE_VIEW):
        tiles["funds"] = balance_available(tenant=tenant)
    if tenant.can(Perm.INVOICES_VIEW):
        tiles["invoices"] = invoices_unpaid(tenant=tenant)
    if tenant.can(Perm.POOLS_VIEW):
        tiles["pool"] = licence_years_left(tenant=tenant)
    return tiles


class SignInForm(AuthenticationForm):
    """Django's form with our own wording: its message builds "a(n) <field name>" from the field's
    label, which no language can agree with (French: "un adresse e-mail")."""

    error_messages = AuthenticationForm.error_messages | {
        "invalid_login": _("Enter a correct e-mail address and password. The password is case-sensitive."),
    }


@method_decorator(rate_limited("login"), name="dispatch")
class LoginView(auth_views.LoginView):
    """Signing in also switches the interface to the person's own language (they can change it)."""

    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(signed_out_idle=self.request.session.pop("signed_out_idle", False), **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.get_user().language, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE, max_age=365 * 24 * 3600)
        return response


@method_decorator(rate_limited("password_reset"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    pass


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; the pages' <link rel="icon"> is the SVG.
    The static URL is looked up per request (collected, hashed names exist only after collectstatic)."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("favicon.svg"))


def page_not_found(request, exception=None):
    """404 for every address: the API's error format under /api/ (even for a path no route
    matches, such as a non-numeric id), the page everywhere else."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse
        from django.utils.translation import gettext

        return JsonResponse({"errors": [{"field": None, "code": "not_found", "message": gettext("Not found.")}]},
                            status=404)
    from django.views import defaults

    return defaults.page_not_found(request, exception)
