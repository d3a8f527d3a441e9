"""Renewals pages: customers to renew (R-4) and its CSV, renew a customer (R-5), licence pools
(R-5) and the operator's pool corrections."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, F, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from customers.models import Customer
from portal.catalogue.models import LicencePrice, LicenceProduct
from portal.catalogue.pricing import price_table_current
from portal.csvexport import CsvText, copy_queryset_response
from portal.dates import local_today
from portal.errors import PortalError, add_to_form
from portal.onetime import form_once
from portal.tenancy.mixins import OperatorRequiredMixin, TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.models import Partner, Reseller
from portal.tenancy.roles import Perm

from . import selectors, services
from .forms import (
    PoolCorrectionForm,
    PoolLedgerFilterForm,
    PoolPurchaseForm,
    PoolTransferForm,
    RenewalFilterForm,
    RenewForm,
)
from .models import LicencePool, PoolEntry, SubscriptionStatus

PAGE_SIZE = 50


def url_pattern(name: str) -> str:
    """The URL of a route taking one `pk`, with `{}` where the pk goes."""
    return reverse(name, args=[987654321]).replace("987654321", "{}")


class CountedPaginator(Paginator):
    """A paginator told its count (cached elsewhere) instead of counting every time."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


class RenewalListMixin(TenantRequiredMixin):
    permission = Perm.RENEWALS_VIEW

    def filter_form(self) -> RenewalFilterForm:
        resellers = Reseller.objects.for_tenant(self.tenant).order_by("name") if self.tenant.reseller is None else []
        products = LicenceProduct.objects.filter(is_active=True).order_by("name")
        return RenewalFilterForm(self.request.GET or None, resellers=resellers, products=products)

    def subscriptions(self, form: RenewalFilterForm):
        today = local_today(self.tenant.partner.time_zone)
        return today, selectors.renewal_list(tenant=self.tenant, today=today, **form.filters())


class RenewalsHomeView(RenewalListMixin, TemplateView):
    """R-4: customers to renew, by end date, with R-2's colours and their legend."""

    template_name = "renewals/home.html"

    def get_context_data(self, **kwargs):
        form = self.filter_form()
        today, subscriptions = self.subscriptions(form)
        count = selectors.renewal_list_count(tenant=self.tenant, today=today, queryset=subscriptions,
                                             filters=tuple(sorted(form.filters().items())))
        page = CountedPaginator(subscriptions, PAGE_SIZE, count=count).get_page(self.request.GET.get("page"))
        customer_url, renew_url = url_pattern("customer"), url_pattern("customer_renew")
        for row in page.object_list:  # one reverse() per page, not two per row
            row.customer_url, row.renew_url = customer_url.format(row.customer_id), renew_url.format(row.customer_id)
        # A due subscription ends on its customer's anniversary: renewable once that is 30 days away.
        renewable_by = selectors.renewal_windows(today).ready[1]
        return super().get_context_data(form=form, page=page, today=today, renewable_by=renewable_by, **kwargs)


class RenewalsCsvView(RenewalListMixin, View):
    """R-4 as CSV: the list's filters, streamed by PostgreSQL (UTF-8 with BOM, formula-safe)."""

    HEADER = ["customer", "vip_id", "solution", "sku", "reseller", "start_date", "end_date", "duration_years",
              "licences_to_renew", "status", "renewed_until", "licences_active"]

    def get(self, request):
        form = self.filter_form()
        _today, subscriptions = self.subscriptions(form)
        rows = subscriptions.annotate(renewed_until=_renewed_until(), active=_active()).values_list(
            CsvText("customer__name"), CsvText("customer__vip_id"), CsvText("product__name"),
            CsvText("product__sku"), CsvText("customer__reseller__name"), "current_start", "current_end",
            "current_years", "licences", "colour", "renewed_until", "active")
        return copy_queryset_response("customers-to-renew.csv", self.HEADER, rows)


def _renewed_until():
    return Case(When(colour=selectors.Colour.GREEN, then=F("end_date")), default=None)


def _active():
    return Case(When(status=SubscriptionStatus.ACTIVE, then=Value(True)), default=Value(False),
                output_field=BooleanField())


class RenewView(TenantObjectMixin, View):
    """R-5: the renewal form, its confirmation step, and the renewal itself. Works without
    JavaScript: *Review* shows the numbers and asks to confirm; the script only updates the
    numbers as they are typed."""

    model = Customer
    permission = Perm.RENEWALS_MANAGE
    template_name = "renewals/renew.html"

    def _customer(self, pk: int) -> Customer:
        return get_object_or_404(self.get_queryset().select_related("reseller"), pk=pk)

    def _context(self, customer: Customer, form: RenewForm, **extra) -> dict:
        today = local_today(customer.partner.time_zone)
        opens = services.renewal_opens_on(customer.anniversary)
        return {"customer": customer, "form": form, "rows": form.rows(), "opens_on": opens,
                "renewable": bool(form.lines) and today >= opens,
                "pool_owner": customer.reseller.name if customer.reseller else self.tenant.partner.name,
                "access_ends_on": services.access_ends_on(customer.anniversary), **extra}

    def _form(self, customer: Customer, data=None) -> RenewForm:
        lines = selectors.renewal_lines(customer=customer, today=local_today(customer.partner.time_zone))
        return RenewForm(data, lines=lines)

    def get(self, request, pk: int):
        customer = self._customer(pk)
        return render(request, self.template_name, self._context(customer, self._form(customer)))

    def post(self, request, pk: int):
        customer = self._customer(pk)
        form = self._form(customer, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self._context(customer, form))
        if "edit" in request.POST:
            return render(request, self.template_name, self._context(customer, form))
        if "confirm" not in request.POST:
            try:
                services.renewal_check_input(**form.service_input())
            except PortalError as error:
                form.show_error(error)
                return render(request, self.template_name, self._context(customer, form), status=error.status)
            if self._shortages(form):
                return render(request, self.template_name, self._context(customer, form), status=409)
            return render(request, "renewals/renew_confirm.html", self._context(customer, form))
        return form_once(request, lambda: self._renew(request, customer, form))

    def _renew(self, request, customer: Customer, form: RenewForm):
        """The renewal itself, once per confirmation page (portal.onetime): a second click shows the first result."""
        try:
            renewal = services.customer_renew(tenant=self.tenant, customer=customer, **form.service_input())
        except PortalError as error:
            form.show_error(error)
            return False, render(request, self.template_name, self._context(customer, form), status=error.status)
        messages.success(request, _("%(customer)s is renewed until %(date)s.") % {
            "customer": customer.name, "date": renewal.new_anniversary.isoformat()})
        return True, redirect("customer", pk=customer.pk)

    @staticmethod
    def _shortages(form: RenewForm) -> bool:
        """Review step: a pool that would go below zero is shown on its line before confirming."""
        short = [row for row in form.rows() if row["left"] is not None and row["left"] < 0]
        for row in short:
            form.add_error(row["field"].name, _("Not enough licence-years in the pool: %(available)s available, "
                                                "%(needed)s needed.") % {
                "available": row["line"].available, "needed": row["line"].available - row["left"]})
        return bool(short)


# --- licence pools ---------------------------------------------------------------------------------


class PoolsView(TenantRequiredMixin, TemplateView):
    """R-5: licence-years per product in the partner's pool and its resellers' (a reseller user:
    its own), buying, allocating and taking back, and the pool ledger with filters."""

    permission = Perm.POOLS_VIEW
    template_name = "renewals/pools.html"

    def get_context_data(self, purchase_form=None, transfer_form=None, **kwargs):
        tenant = self.tenant
        resellers = list(Reseller.objects.for_tenant(tenant).order_by("name")) if tenant.reseller is None else []
        products = LicenceProduct.objects.filter(is_active=True).order_by("name")
        ledger_form = PoolLedgerFilterForm(self.request.GET or None, products=products, resellers=resellers)
        entries = selectors.pool_entries(tenant=tenant, **ledger_form.filters())
        page = Paginator(entries, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context = {"pools": selectors.pools_for(tenant=tenant), "ledger_form": ledger_form, "page": page}
        if tenant.can(Perm.POOLS_MANAGE) and tenant.reseller is None:
            prices = _licence_prices(tenant)
            context.update(prices=prices,
                           purchase_form=purchase_form or PoolPurchaseForm(prices=prices),
                           transfer_form=transfer_form or PoolTransferForm(products=products, resellers=resellers))
        return super().get_context_data(**context, **kwargs)


def _licence_prices(tenant) -> list[LicencePrice]:
    try:
        table = price_table_current(partner=tenant.partner, on=local_today(tenant.partner.time_zone))
    except PortalError:
        return []
    return list(LicencePrice.objects.for_tenant(tenant).filter(table=table, product__is_active=True)
                .select_related("product").order_by("position", "product__name"))


class PoolActionMixin(TenantRequiredMixin):
    permission = Perm.POOLS_MANAGE

    def refuse(self, request, **forms):
        view = PoolsView(request=request, kwargs={}, args=())
        return render(request, PoolsView.template_name, view.get_context_data(**forms), status=400)


class PoolPurchaseView(PoolActionMixin, View):
    def post(self, request):
        return form_once(request, lambda: self._buy(request))

    def _buy(self, request):
        """Charged to the balance: once per form (portal.onetime), a double click buys once."""
        form = PoolPurchaseForm(request.POST, prices=_licence_prices(self.tenant))
        if form.is_valid():
            try:
                entry = services.pool_purchase(tenant=self.tenant, product_id=form.cleaned_data["product"],
                                               licence_years=form.cleaned_data["licence_years"])
            except PortalError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("%(count)s licence-years bought; the pool now holds %(balance)s.")
                                 % {"count": entry.quantity, "balance": entry.balance_after})
                return True, redirect("pools")
        return False, self.refuse(request, purchase_form=form)


class PoolTransferView(PoolActionMixin, View):
    def post(self, request):
        form = PoolTransferForm(request.POST, products=LicenceProduct.objects.filter(is_active=True),
                                resellers=Reseller.objects.for_tenant(self.tenant))
        if form.is_valid():
            data = form.cleaned_data
            move = services.pool_allocate if data["direction"] == "allocate" else services.pool_take_back
            try:
                move(tenant=self.tenant, product_id=data["product"], reseller_id=data["reseller"],
                     licence_years=data["licence_years"])
            except PortalError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The licence-years were moved."))
                return redirect("pools")
        return self.refuse(request, transfer_form=form)


class OperatorPoolsView(OperatorRequiredMixin, View):
    """R-5: operator staff see every partner's pools and credit or correct one, with a reason."""

    template_name = "renewals/operator_pools.html"

    def _render(self, request, form, status=200):
        partner_id = request.GET.get("partner", "")
        pools = LicencePool.unscoped.select_related("partner", "reseller", "product").order_by(
            "partner__name", "product__name", "reseller__name", "id")
        entries = PoolEntry.unscoped.select_related("partner", "reseller", "product", "created_by")
        if partner_id.isdigit():
            pools, entries = pools.filter(partner_id=partner_id), entries.filter(partner_id=partner_id)
        return render(request, self.template_name, {
            "form": form, "pools": pools[:500], "entries": entries.order_by("-created_at", "-id")[:100],
            "partners": Partner.objects.order_by("name"), "chosen": partner_id}, status=status)

    def _form(self, data=None):
        return PoolCorrectionForm(data, partners=Partner.objects.order_by("name"),
                                  resellers=Reseller.unscoped.select_related("partner").order_by("partner__name",
                                                                                                 "name"))

    def get(self, request):
        return self._render(request, self._form())

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pool_correct(actor=request.user, partner=Partner.objects.get(pk=data["partner"]),
                                      product_id=data["product"].pk, reseller_id=data["reseller"],
                                      quantity=data["quantity"], reason=data["reason"])
            except PortalError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The pool was corrected."))
                return redirect(reverse("operator_pools") + f"?partner={data['partner']}")
        return self._render(request, form, status=400)
