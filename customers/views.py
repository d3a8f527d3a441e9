"""Customers pages (C-1…C-9) and the customer admin's console (C-2, C-5, C-8)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from portal.catalogue.lines import formset_with_extra_line, line_error_show
from portal.confirm import Confirmation, ConfirmMixin
from portal.dates import local_today
from portal.errors import PortalError, add_to_form
from portal.listing import list_search, list_sort
from portal.tenancy.mixins import OperatorRequiredMixin, TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.roles import Perm
from renewals import selectors as renewal_selectors
from renewals.models import Subscription, SubscriptionStatus

from . import selectors, services
from .forms import AssignForm, CustomerForm, PAForm, PALineFormSet, VendorOrderForm
from .models import Customer, LicenceAssignment, PALine, PAStatus, PurchaseAuthorization


class CustomerListView(TenantRequiredMixin, TemplateView):
    """C-3: the list, its five filters with counts, Managed by me, search, pages."""

    permission = Perm.CUSTOMERS_VIEW
    template_name = "customers/list.html"

    def get_context_data(self, **kwargs):
        today = local_today(self.tenant.partner.time_zone)
        mine = self.request.GET.get("mine") == "1"
        managed_by = self.request.user if mine else None
        chosen = self.request.GET.get("filter", "")
        search = list_search(self.request)
        sort = list_sort(self.request, CUSTOMER_COLUMNS, default="name")
        customers = sort.apply(selectors.customer_list(tenant=self.tenant, today=today, filter_name=chosen,
                                                       managed_by=managed_by, search=search))
        counts = selectors.customer_filter_counts(tenant=self.tenant, today=today, managed_by=managed_by)
        page = Paginator(customers, 50).get_page(self.request.GET.get("page"))
        selectors.annotate_page(tenant=self.tenant, customers=page.object_list, today=today)
        return super().get_context_data(page=page, counts=counts, chosen=chosen, mine=mine, search=search,
                                        filters=FILTER_LABELS, sort=sort, **kwargs)


CUSTOMER_COLUMNS = {"name": ("name",), "email": ("contact_email",), "anniversary": ("anniversary",),
                    "segment": ("market_segment",), "manager": ("account_manager__email",)}


FILTER_LABELS = [("no_products", _lazy("No products")), ("pending", _lazy("Pending requests")),
                 ("overdue", _lazy("Overdue requests")), ("upcoming", _lazy("Upcoming renewals")),
                 ("ready", _lazy("Ready for renewal"))]


class CustomerCreateView(TenantRequiredMixin, View):
    permission = Perm.CUSTOMERS_MANAGE
    template_name = "customers/new.html"

    def get(self, request):
        return render(request, self.template_name, {"form": CustomerForm(tenant=self.tenant)})

    def post(self, request):
        """Two steps (C-1, C-2): the details are shown once more with what sending the invitation
        does (it issues the VIP ID and the details can never be edited), then sent on *confirm*."""
        form = CustomerForm(request.POST, tenant=self.tenant)
        if not form.is_valid() or "edit" in request.POST:
            return render(request, self.template_name, {"form": form})
        if "confirm" not in request.POST:
            return render(request, "customers/new_confirm.html", {"form": form})
        try:
            customer = services.customer_add(tenant=self.tenant, data=form.customer_input(),
                                             reseller=form.cleaned_data.get("reseller"))
        except PortalError as error:
            add_to_form(form, error)
            return render(request, self.template_name, {"form": form})
        messages.success(request, _("%(name)s was invited; VIP ID %(vip)s.") % {
            "name": customer.name, "vip": customer.vip_id})
        return redirect("customer", pk=customer.pk)


class CustomerDetailView(TenantObjectMixin, TemplateView):
    """C-4: information, pending and overdue authorizations, products, history."""

    model = Customer
    permission = Perm.CUSTOMERS_VIEW
    template_name = "customers/detail.html"

    def get_context_data(self, **kwargs):
        customer = get_object_or_404(self.get_queryset().select_related("account_manager"), pk=self.kwargs["pk"])
        authorizations = list(PurchaseAuthorization.objects.for_tenant(self.tenant).filter(customer=customer)
                              .prefetch_related("lines__product"))
        open_pas = [pa for pa in authorizations if pa.status in (PAStatus.PENDING, PAStatus.OVERDUE)]
        for pa in authorizations:
            pa.duration = services.order_duration(deployment_date=pa.deployment_date,
                                                  anniversary=customer.anniversary)
        today = local_today(self.tenant.partner.time_zone)
        subscriptions = list(renewal_selectors.with_status(Subscription.objects.for_tenant(self.tenant).filter(
            customer=customer), today).select_related("product"))
        renewal = renewal_selectors.renewal_state(customer=customer, subscriptions=subscriptions, today=today)
        return super().get_context_data(customer=customer, authorizations=authorizations, open_pas=open_pas,
                                        subscriptions=subscriptions, order_form=VendorOrderForm(), renewal=renewal,
                                        history=renewal_selectors.renewal_history(customer=customer), **kwargs)


class PACreateView(TenantObjectMixin, View):
    """C-5: a PA from the customer detail; P-4 and C-7 refusals land on the form."""

    model = Customer
    permission = Perm.CUSTOMERS_MANAGE
    template_name = "customers/pa_new.html"

    def _customer(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)

    def get(self, request, pk: int):
        customer = self._customer(pk)
        initial = {"licence_type": customer.offer_type, "deployment_date": local_today(customer.partner.time_zone)}
        return self._render(request, customer, PAForm(initial=initial), PALineFormSet(prefix="lines"))

    def post(self, request, pk: int):
        customer = self._customer(pk)
        form, lines = PAForm(request.POST), PALineFormSet(request.POST, prefix="lines")
        if "add_line" in request.POST:
            return self._render(request, customer, form, formset_with_extra_line(PALineFormSet, request.POST,
                                                                                 prefix="lines"))
        if form.is_valid() and lines.is_valid():
            try:
                services.pa_create(tenant=self.tenant, customer=customer, actor=request.user,
                                   lines=[line.line_input() for line in lines.forms], **form.cleaned_data)
            except PortalError as error:
                line_error_show(error=error, form=form, formset=lines)
            else:
                messages.success(request, _("Purchase authorization created; the customer was e-mailed."))
                return redirect("customer", pk=customer.pk)
        return self._render(request, customer, form, lines)

    def _render(self, request, customer, form, lines):
        return render(request, self.template_name, {"customer": customer, "form": form, "lines": lines})


class PAActionView(ConfirmMixin, TenantObjectMixin, View):
    """C-6 order (a POST from the customer page), C-8 cancel and request a return, each of these two
    after a confirmation page saying what the customer loses."""

    model = PurchaseAuthorization
    permission = Perm.CUSTOMERS_MANAGE
    confirmed_actions = ("cancel", "return")

    def get_object(self):
        return get_object_or_404(self.get_queryset().select_related("customer"), pk=self.kwargs["pk"])

    def get(self, request, pk: int, action: str):
        if action not in self.confirmed_actions:
            raise Http404
        return super().get(request, pk=pk, action=action)

    def confirmation(self, request, pa):
        action = self.kwargs["action"]
        products = ", ".join(f"{line.licences} × {line.product}" for line in pa.lines.select_related("product"))
        facts = {"number": pa.pk, "customer": pa.customer.name, "products": products or "—"}
        back = reverse("customer", args=[pa.customer_id])
        if action == "cancel":
            return Confirmation(
                title=_("Cancel purchase authorization %(number)s?") % facts,
                consequences=[_("Purchase authorization %(number)s of %(customer)s becomes Cancelled.") % facts,
                              _("%(customer)s loses access to its products: %(products)s.") % facts],
                button=_("Cancel the purchase authorization"), back_url=back,
                refusal=selectors.pa_cancel_refusal(pa=pa))
        return Confirmation(
            title=_("Request a return of purchase authorization %(number)s?") % facts,
            consequences=[_("Purchase authorization %(number)s becomes Return requested; the operator then "
                            "confirms the return.") % facts,
                          _("When it is returned, the licences are removed from %(customer)s: %(products)s.")
                          % facts],
            button=_("Request the return"), back_url=back,
            refusal=None if pa.status == PAStatus.ORDERED else _("Only an Ordered purchase authorization can be "
                                                                 "returned."))

    def post(self, request, pk: int, action: str):
        return self.act(request, self.get_object())

    def act(self, request, pa):
        action = self.kwargs["action"]
        try:
            if action == "order":
                form = VendorOrderForm(request.POST)
                if not form.is_valid():
                    raise PortalError("vendor_order_required", _("Enter the vendor order number."),
                                      field="vendor_order_number")
                services.pa_order(tenant=self.tenant, pa=pa, **form.cleaned_data)
            elif action == "cancel":
                services.pa_cancel(tenant=self.tenant, pa=pa)
            elif action == "return":
                services.pa_request_return(tenant=self.tenant, pa=pa)
            else:
                raise PortalError("unknown_action", _("Unknown action."), status=404)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Purchase authorization updated."))
        return redirect("customer", pk=pa.customer_id)


class PAReturnedView(OperatorRequiredMixin, View):
    model = PurchaseAuthorization

    def post(self, request, pk: int):
        pa = get_object_or_404(PurchaseAuthorization.unscoped, pk=pk)
        try:
            services.pa_mark_returned(actor=request.user, pa=pa)
        except PortalError as error:
            messages.error(request, error.message)
        return redirect("operator_home")


# --- the customer admin's console ----------------------------------------------------------------

class InvitationView(View):
    """C-2: the e-mailed link; accepting needs a signed-in person (sign up is offered)."""

    def get(self, request, token: str):
        try:
            customer = services.customer_for_invitation(token)
        except PortalError as error:
            return render(request, "customers/invitation_refused.html", {"message": error.message},
                          status=error.status)
        return render(request, "customers/invitation.html", {"customer": customer})

    def post(self, request, token: str):
        if not request.user.is_authenticated:
            return redirect("customer_invitation", token=token)
        try:
            customer = services.invitation_accept(token=token, user=request.user)
        except PortalError as error:
            return render(request, "customers/invitation_refused.html", {"message": error.message},
                          status=error.status)
        return redirect("console_customer", pk=customer.pk)


class ConsoleMixin(LoginRequiredMixin):
    """Pages of a customer's admin: scoped by the signed-in person, never by a partner."""

    model = Customer

    def customers(self):
        return Customer.unscoped.filter(admin_user=self.request.user).select_related("partner")


class ConsoleHomeView(ConsoleMixin, TemplateView):
    template_name = "customers/console_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(customers=self.customers(), **kwargs)


class ConsoleCustomerView(ConsoleMixin, View):
    template_name = "customers/console_customer.html"

    def get(self, request, pk: int):
        customer = get_object_or_404(self.customers(), pk=pk)
        initial = {"licence_type": customer.offer_type, "deployment_date": local_today(customer.partner.time_zone)}
        return self._render(request, customer, PAForm(initial=initial), PALineFormSet(prefix="lines"))

    def post(self, request, pk: int):
        """The customer admin asks for products: a PA the partner then orders (C-5)."""
        customer = get_object_or_404(self.customers(), pk=pk)
        form, lines = PAForm(request.POST), PALineFormSet(request.POST, prefix="lines")
        if "add_line" in request.POST:  # several products in one request, without JavaScript
            return self._render(request, customer, form, formset_with_extra_line(PALineFormSet, request.POST,
                                                                                 prefix="lines"))
        if form.is_valid() and lines.is_valid():
            try:
                services.pa_create(customer=customer, actor=request.user,
                                   lines=[line.line_input() for line in lines.forms], **form.cleaned_data)
            except PortalError as error:
                line_error_show(error=error, form=form, formset=lines)
            else:
                messages.success(request, _("Your request was sent to your reseller."))
                return redirect("console_customer", pk=customer.pk)
        return self._render(request, customer, form, lines)

    def _render(self, request, customer, form, lines):
        today = local_today(customer.partner.time_zone)
        subscriptions = list(renewal_selectors.with_status(Subscription.unscoped.filter(customer=customer),
                                                           today).select_related("product"))
        ordered = PALine.unscoped.filter(authorization__customer=customer,
                                         authorization__status=PAStatus.ORDERED).select_related("product")
        return render(request, self.template_name, {
            "customer": customer, "subscriptions": subscriptions, "lines_owned": ordered, "form": form,
            "lines": lines, "assign_form": AssignForm(),
            "renewal": renewal_selectors.renewal_state(customer=customer, subscriptions=subscriptions, today=today),
            "history": renewal_selectors.renewal_history(customer=customer),
            "inactive_products": {s.product_id for s in subscriptions if s.status == SubscriptionStatus.INACTIVE},
            "pending": PurchaseAuthorization.unscoped.filter(customer=customer,
                                                             status__in=[PAStatus.PENDING, PAStatus.OVERDUE])})


class ConsoleAssignView(ConsoleMixin, View):
    model = PALine

    def post(self, request, pk: int):
        line = get_object_or_404(PALine.unscoped.select_related("authorization__customer"), pk=pk,
                                 authorization__customer__admin_user=request.user)
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter a valid e-mail address."))
        else:
            try:
                services.licence_assign(actor=request.user, line=line, email=form.cleaned_data["email"])
            except PortalError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Licence assigned."))
        return redirect("console_customer", pk=line.authorization.customer_id)



class ConsoleUnassignView(ConfirmMixin, ConsoleMixin, View):
    """The customer's admin takes a licence back from a user, after a confirmation page."""

    model = LicenceAssignment

    def get_object(self):
        return get_object_or_404(LicenceAssignment.unscoped.select_related("line__product", "line__authorization"),
                                 pk=self.kwargs["pk"], line__authorization__customer__admin_user=self.request.user)

    def confirmation(self, request, assignment):
        facts = {"email": assignment.email, "product": assignment.line.product.display_name}
        return Confirmation(
            title=_("Take the licence back from %(email)s?") % facts,
            consequences=[_("%(email)s can no longer use %(product)s; the licence can be assigned to someone "
                            "else.") % facts],
            button=_("Take the licence back"), irreversible=False,
            back_url=reverse("console_customer", args=[assignment.line.authorization.customer_id]))

    def act(self, request, assignment):
        try:
            services.licence_unassign(actor=request.user, assignment=assignment)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Licence taken back from %(email)s.") % {"email": assignment.email})
        return redirect("console_customer", pk=assignment.line.authorization.customer_id)
