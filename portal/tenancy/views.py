from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from portal.api import services as api_services
from portal.api.models import ApiKey
from portal.api.selectors import api_keys_with_owner
from portal.confirm import Confirmation, ConfirmMixin
from portal.errors import PortalError, form_service
from portal.ratelimit import rate_limited

from . import services
from .context import SESSION_DELEGATED_PARTNER, SESSION_PARTNER, memberships_of
from .forms import (
    ApiKeyForm,
    BillingContactForm,
    MembershipForm,
    MembershipRoleForm,
    PartnerSettingsForm,
    SignUpForm,
)
from .mixins import OperatorRequiredMixin, TenantObjectMixin, TenantRequiredMixin
from .models import BillingContact, DelegationConsent, Membership, Partner, User
from .roles import Perm


@method_decorator(rate_limited("signup"), name="dispatch")
class SignUpView(FormView):
    """Create an account and come back to where the person was (a voucher, an invitation)."""

    template_name = "registration/signup.html"
    form_class = SignUpForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self._next(), **kwargs)

    def _next(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()})
        return target if safe else reverse("my_requests")

    def form_valid(self, form):
        data = form.cleaned_data
        services.user_sign_up(email=data["email"], first_name=data["first_name"], last_name=data["last_name"],
                              password=data["password1"], language=translation.get_language() or "en",
                              next_path=self._next(), time_zone=data["time_zone"])
        # The same page whether or not the address had an account: the e-mail tells its owner which.
        return render(self.request, "registration/signup_sent.html", {"email": data["email"]})


class SignUpConfirmView(View):
    """The sign-up e-mail's link: activates the account, signs in, goes on where the person was."""

    def get(self, request, token: str):
        try:
            user, next_path = services.user_sign_up_confirm(token=token)
        except PortalError as error:
            return render(request, "400.html", {"message": error.message}, status=error.status)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        safe = url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()})
        return redirect(next_path if safe else "my_requests")


def set_language(request):
    """The language switcher (Django's view), remembered on a signed-in person's profile too, so the
    next sign-in and the e-mails they receive follow the choice (U-2)."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


class SwitchPartnerView(LoginRequiredMixin, View):
    """A user with several memberships chooses the partner they work in."""

    def post(self, request):
        try:
            partner_id = int(request.POST.get("partner", ""))
        except ValueError:
            partner_id = None
        if not any(m.partner_id == partner_id for m in memberships_of(request.user)):
            messages.error(request, _("You are not a user of that account."))
            return redirect("dashboard")
        request.session[SESSION_PARTNER] = partner_id
        return redirect("dashboard")


class PartnerSettingsView(TenantRequiredMixin, FormView):
    permission = Perm.SETTINGS_VIEW
    template_name = "tenancy/settings.html"
    form_class = PartnerSettingsForm

    def get_initial(self):
        partner = self.tenant.partner
        return {name: getattr(partner, name) for name in services.PARTNER_SETTINGS_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(partner=self.tenant.partner,
                                        can_edit=self.tenant.can(Perm.SETTINGS_MANAGE), **kwargs)

    def form_valid(self, form):
        if not self.tenant.can(Perm.SETTINGS_MANAGE):
            raise PermissionDenied
        if not form_service(form, lambda: services.partner_settings_update(tenant=self.tenant,
                                                                             values=form.cleaned_data)):
            return self.form_invalid(form)
        messages.success(self.request, _("Settings saved."))
        return redirect("partner_settings")


class BillingContactView(TenantRequiredMixin, FormView):
    permission = Perm.SETTINGS_VIEW
    template_name = "tenancy/billing_contact.html"
    form_class = BillingContactForm

    def get_initial(self):
        contact = BillingContact.objects.for_tenant(self.tenant).first()
        return {name: getattr(contact, name) for name in services.BILLING_CONTACT_FIELDS} if contact else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            missing=services.billing_contact_missing_fields(self.tenant.partner),
            required_labels=services.BILLING_FIELDS_REQUIRED_TO_ORDER,
            can_edit=self.tenant.can(Perm.BILLING_CONTACT_MANAGE), **kwargs)

    def form_valid(self, form):
        if not self.tenant.can(Perm.BILLING_CONTACT_MANAGE):
            raise PermissionDenied
        values = {name: form.cleaned_data[name] for name in services.BILLING_CONTACT_FIELDS}
        services.billing_contact_update(tenant=self.tenant, values=values)
        messages.success(self.request, _("Billing contact saved."))
        return redirect("billing_contact")


class MembershipListView(TenantRequiredMixin, FormView):
    permission = Perm.USERS_MANAGE
    template_name = "tenancy/users.html"
    form_class = MembershipForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"tenant": self.tenant}

    def get_context_data(self, **kwargs):
        memberships = Membership.objects.for_tenant(self.tenant).select_related("user", "reseller").order_by(
            "user__email")
        return super().get_context_data(memberships=memberships, **kwargs)

    def form_valid(self, form):
        if not form_service(form, lambda: services.membership_add(tenant=self.tenant, **form.cleaned_data)):
            return self.form_invalid(form)
        messages.success(self.request, _("User added; they were e-mailed a link to set their password."))
        return redirect("users")


class MembershipDetailView(TenantObjectMixin, FormView):
    model = Membership
    permission = Perm.USERS_MANAGE
    template_name = "tenancy/user_detail.html"
    form_class = MembershipRoleForm

    def get_membership(self) -> Membership:
        if not hasattr(self, "_membership"):
            self._membership = get_object_or_404(self.get_queryset().select_related("user"), pk=self.kwargs["pk"])
        return self._membership

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"tenant": self.tenant}

    def get_initial(self):
        membership = self.get_membership()
        return {"role": membership.role, "reseller": membership.reseller_id}

    def get_context_data(self, **kwargs):
        return super().get_context_data(membership=self.get_membership(), **kwargs)

    def form_valid(self, form):
        if not form_service(form, lambda: services.membership_change_role(
                tenant=self.tenant, membership=self.get_membership(), role=form.cleaned_data["role"],
                reseller=form.cleaned_data["reseller"])):
            return self.form_invalid(form)
        messages.success(self.request, _("Role changed."))
        return redirect("users")


class ApiKeyListView(TenantRequiredMixin, FormView):
    permission = Perm.API_KEYS_MANAGE
    template_name = "tenancy/api_keys.html"
    form_class = ApiKeyForm

    def get_context_data(self, **kwargs):
        keys = api_keys_with_owner(tenant=self.tenant)
        return super().get_context_data(keys=keys, **kwargs)

    def form_valid(self, form):
        created = []
        if not form_service(form, lambda: created.append(api_services.api_key_create(tenant=self.tenant,
                                                                                     **form.cleaned_data))):
            return self.form_invalid(form)
        key, raw = created[0]
        # Shown once, on this response only; never stored in clear.
        return self.render_to_response(self.get_context_data(form=ApiKeyForm(), new_key=raw, new_key_obj=key))


class ApiKeyRevokeView(ConfirmMixin, TenantObjectMixin, View):
    model = ApiKey
    permission = Perm.API_KEYS_MANAGE

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def confirmation(self, request, key):
        return Confirmation(
            title=_("Revoke the API key %(name)s?") % {"name": key.name},
            consequences=[_("Programs using the key %(prefix)s… are refused from now on; a revoked key cannot "
                            "be used again.") % {"prefix": key.prefix}],
            button=_("Revoke the key"), back_url=reverse("api_keys"),
            refusal=None if key.is_active else _("This key is already revoked."))

    def act(self, request, key):
        api_services.api_key_revoke(tenant=self.tenant, key=key)
        messages.success(request, _("API key revoked."))
        return redirect("api_keys")


class MembershipRemoveView(ConfirmMixin, TenantObjectMixin, View):
    model = Membership
    permission = Perm.USERS_MANAGE

    def get_object(self):
        return get_object_or_404(self.get_queryset().select_related("user"), pk=self.kwargs["pk"])

    def confirmation(self, request, membership):
        facts = {"email": membership.user.email, "partner": self.tenant.partner.name}
        return Confirmation(
            title=_("Remove %(email)s from this account?") % facts,
            consequences=[_("%(email)s can no longer sign in to %(partner)s; their past actions stay in the audit "
                            "log.") % facts],
            button=_("Remove from this account"), back_url=reverse("user_detail", args=[membership.pk]))

    def act(self, request, membership):
        try:
            services.membership_remove(tenant=self.tenant, membership=membership)
        except PortalError as error:
            messages.error(request, error.message)
            return redirect("user_detail", pk=membership.pk)
        messages.success(request, _("User removed from this account."))
        return redirect("users")


class ConsentView(TenantRequiredMixin, TemplateView):
    permission = Perm.SETTINGS_VIEW
    template_name = "tenancy/consent.html"

    def get_context_data(self, **kwargs):
        history = DelegationConsent.objects.for_tenant(self.tenant).select_related("granted_by", "revoked_by")
        return super().get_context_data(history=history, can_edit=self.tenant.can(Perm.CONSENT_MANAGE),
                                        active=any(c.is_active for c in history), **kwargs)

    def post(self, request):
        if not self.tenant.can(Perm.CONSENT_MANAGE):
            raise PermissionDenied
        if request.POST.get("decision") == "grant":
            services.consent_grant(tenant=self.tenant)
            messages.success(request, _("Operator staff may now act in this account until you revoke it."))
        else:
            services.consent_revoke(tenant=self.tenant)
            messages.success(request, _("Consent revoked: operator staff can no longer act in this account."))
        return redirect("consent")


# --- operator console ------------------------------------------------------------------------

class OperatorHomeView(OperatorRequiredMixin, TemplateView):
    template_name = "tenancy/operator_home.html"

    def get_context_data(self, **kwargs):
        consenting = set(DelegationConsent.unscoped.filter(revoked_at__isnull=True).values_list("partner_id",
                                                                                                flat=True))
        partners = [(p, p.pk in consenting) for p in Partner.objects.order_by("name")]
        return super().get_context_data(partners=partners, **kwargs)


class EnterPartnerView(OperatorRequiredMixin, View):
    """Operator staff enter a consenting partner's account (T-4)."""

    model = Partner

    def post(self, request, pk: int):
        partner = get_object_or_404(Partner, pk=pk)
        services.delegation_enter(operator=request.user, partner=partner)
        request.session.cycle_key()  # T-4: a new session key for the time spent in the partner's account
        request.session[SESSION_DELEGATED_PARTNER] = partner.pk
        messages.info(request, _("You are acting in %(partner)s's account.") % {"partner": partner.name})
        return redirect("dashboard")


class LeavePartnerView(OperatorRequiredMixin, View):
    def post(self, request):
        if request.tenant is not None and request.tenant.delegated:
            services.delegation_leave(tenant=request.tenant)
        request.session.pop(SESSION_DELEGATED_PARTNER, None)
        request.session.cycle_key()  # and another once out of it
        return redirect(reverse("operator_home"))


class OperatorLockoutsView(OperatorRequiredMixin, TemplateView):
    """Sign-ins paused after too many failed passwords (django-axes); operator staff unlock them."""

    template_name = "tenancy/operator_lockouts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(lockouts=services.signin_lockouts(), **kwargs)

    def post(self, request):
        username = request.POST.get("username", "")
        if services.signin_unlock(operator=request.user, username=username):
            messages.success(request, _("%(address)s can sign in again.") % {"address": username})
        return redirect("operator_lockouts")
