"""Operator console pages for partners (T-8): onboard a partner, keep its commercial settings and
billing contact, invite its admin; and the invited person's acceptance page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from portal.audit.models import AuditEntry
from portal.errors import PortalError, form_service

from . import onboarding, services
from .forms import BillingContactForm
from .forms_operator import CommercialForm, InviteForm, PartnerCreateForm
from .mixins import OperatorRequiredMixin
from .models import BillingContact, Membership, Partner, PartnerInvitation

RECENT_CHANGES = 20


class PartnerCreateView(OperatorRequiredMixin, FormView):
    """/operator/partners/new/: name, account number, settings, billing contact, first admin."""

    template_name = "operator/partner_new.html"
    form_class = PartnerCreateForm

    def get_initial(self):
        from django.conf import settings

        return {"currency": "JPY", "language": "ja", "time_zone": settings.TIME_ZONE, "contract_type": "ongoing",
                "payment_terms": "NET30", "credit_limit": 0, "low_balance_threshold": 0, "vouchers_enabled": True}

    def form_valid(self, form):
        created = []
        if not form_service(form, lambda: created.append(onboarding.partner_create(
                actor=self.request.user, data=form.partner_input(), billing_contact=form.billing_contact(),
                first_admin=form.first_admin()))):
            return self.form_invalid(form)
        partner = created[0]
        messages.success(self.request, _("Partner %(name)s created.") % {"name": partner.name})
        if form.first_admin():
            messages.success(self.request, _("An invitation was e-mailed to %(email)s.")
                             % {"email": form.first_admin().email})
        return redirect("operator_partner", pk=partner.pk)


class OperatorPartnerMixin(OperatorRequiredMixin):
    """Pages of one partner; `model` puts the route in the cross-tenant sweep (403 for partners)."""

    model = Partner

    def get_partner(self) -> Partner:
        if not hasattr(self, "_partner"):
            self._partner = get_object_or_404(Partner, pk=self.kwargs["pk"])
        return self._partner

    def get_context_data(self, **kwargs):
        return super().get_context_data(partner=self.get_partner(), **kwargs)


class PartnerDetailView(OperatorPartnerMixin, TemplateView):
    """/operator/partners/<pk>/: settings, billing contact, price tables, users and invitations,
    and the partner's latest audited changes."""

    template_name = "operator/partner_detail.html"

    def get_context_data(self, **kwargs):
        from portal.catalogue.selectors import price_tables_of

        partner = self.get_partner()
        return super().get_context_data(
            contact=BillingContact.objects.for_partner(partner).first(),
            missing=services.billing_contact_missing_fields(partner),
            tables=price_tables_of(partner=partner),
            memberships=Membership.objects.for_partner(partner).select_related("user", "reseller")
            .order_by("user__email"),
            invitations=PartnerInvitation.objects.for_partner(partner).select_related("invited_by", "accepted_by"),
            changes=AuditEntry.objects.for_partner(partner).select_related("actor")[:RECENT_CHANGES],
            invite_form=InviteForm(), **kwargs)


class PartnerCommercialView(OperatorPartnerMixin, FormView):
    """/operator/partners/<pk>/commercial/: contract, payment terms, credit limit, threshold,
    vouchers feature; the reason goes to the audit log with the change."""

    template_name = "operator/partner_commercial.html"
    form_class = CommercialForm

    def get_initial(self):
        partner = self.get_partner()
        return {name: getattr(partner, name) for name in services.COMMERCIAL_FIELDS}

    def form_valid(self, form):
        values = {name: form.cleaned_data[name] for name in services.COMMERCIAL_FIELDS}
        if not form_service(form, lambda: services.partner_contract_update(
                actor=self.request.user, partner=self.get_partner(), values=values,
                reason=form.cleaned_data["reason"])):
            return self.form_invalid(form)
        messages.success(self.request, _("Commercial settings saved."))
        return redirect("operator_partner", pk=self.get_partner().pk)


class PartnerBillingContactView(OperatorPartnerMixin, FormView):
    template_name = "operator/partner_billing_contact.html"
    form_class = BillingContactForm

    def get_initial(self):
        contact = BillingContact.objects.for_partner(self.get_partner()).first()
        return {name: getattr(contact, name) for name in services.BILLING_CONTACT_FIELDS} if contact else {}

    def form_valid(self, form):
        values = {name: form.cleaned_data[name] for name in services.BILLING_CONTACT_FIELDS}
        onboarding.partner_billing_contact_update(actor=self.request.user, partner=self.get_partner(), values=values)
        messages.success(self.request, _("Billing contact saved."))
        return redirect("operator_partner", pk=self.get_partner().pk)


class PartnerInviteView(OperatorPartnerMixin, FormView):
    """/operator/partners/<pk>/invite/: e-mail a partner admin invitation."""

    template_name = "operator/partner_invite.html"
    form_class = InviteForm

    def form_valid(self, form):
        if not form_service(form, lambda: onboarding.partner_admin_invite(
                actor=self.request.user, partner=self.get_partner(), invite=form.invite_input())):
            return self.form_invalid(form)
        messages.success(self.request, _("An invitation was e-mailed to %(email)s.")
                         % {"email": form.cleaned_data["email"]})
        return redirect("operator_partner", pk=self.get_partner().pk)


class PartnerInvitationView(View):
    """/invitation/partner/<token>/: the e-mailed link. Accepting needs the invited person signed
    in (sign-up is offered, the address filled in)."""

    def get(self, request, token: str):
        try:
            invitation = onboarding.partner_invitation_for_token(token)
        except PortalError as error:
            return _refused(request, error)
        return render(request, "tenancy/partner_invitation.html", {"invitation": invitation})

    def post(self, request, token: str):
        if not request.user.is_authenticated:
            return redirect("partner_invitation", token=token)
        try:
            membership = onboarding.partner_invitation_accept(token=token, user=request.user)
        except PortalError as error:
            return _refused(request, error)
        from .context import SESSION_PARTNER

        request.session[SESSION_PARTNER] = membership.partner_id
        messages.success(request, _("Welcome: you are now the administrator of %(partner)s.")
                         % {"partner": membership.partner.name})
        return redirect("dashboard")


def _refused(request, error: PortalError):
    return render(request, "tenancy/partner_invitation_refused.html", {"message": error.message},
                  status=error.status)
