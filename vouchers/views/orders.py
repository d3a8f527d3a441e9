"""Voucher pages: orders (list, new, detail, cancel), codes (PDF, reissue), CSV exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from portal.catalogue.lines import line_error_show, line_price_rows
from portal.catalogue.selectors import contract_products_today
from portal.catalogue.views import LinePricesView
from portal.confirm import Confirmation, ConfirmMixin
from portal.dates import local_today
from portal.downloads import no_store, pdf_response
from portal.errors import PortalError
from portal.listing import list_search, list_sort
from portal.money import Money, format_money
from portal.onetime import form_once
from portal.tenancy.mixins import TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.roles import Perm

from .. import exports, selectors, services
from ..forms import OrderFilterForm, OrderHeaderForm, OrderLineFormSet
from ..models import CodeStatus, VoucherCode, VoucherOrder


class VouchersHomeView(TenantRequiredMixin, TemplateView):
    """Finance → Vouchers: the order list with its filters and the CSV exports."""

    permission = Perm.VOUCHERS_VIEW
    template_name = "vouchers/home.html"

    def get_context_data(self, **kwargs):
        form = OrderFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        search = list_search(self.request)
        sort = list_sort(self.request, ORDER_COLUMNS, default="-created")
        orders = sort.apply(selectors.voucher_orders(tenant=self.tenant, search=search, **filters))
        page = Paginator(orders.select_related("created_by"), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(form=form, page=page, sort=sort, search=search,
                                        order_refusal=selectors.voucher_order_refusal(tenant=self.tenant), **kwargs)


ORDER_COLUMNS = {"number": ("id",), "created": ("created_at",), "status": ("status",),
                 "customer": ("customer_name",), "price": ("total",)}
CODE_COLUMNS = {"id": ("id",), "status": ("status",), "product": ("line__product__name", "line__years"),
                "expires": ("expires_on",)}


class VoucherOrderCreateView(TenantRequiredMixin, View):
    """V-2: Add new voucher order. Works without JavaScript: *Add another product* and *Show prices*
    are submit buttons; with JavaScript, lines are added in place and prices update as you type."""

    permission = Perm.VOUCHERS_MANAGE
    template_name = "vouchers/order_new.html"

    def get(self, request):
        return self._render(request, OrderHeaderForm(), None)

    def post(self, request):
        header = OrderHeaderForm(request.POST)
        try:
            products, table = contract_products_today(tenant=self.tenant)
        except PortalError as error:
            messages.error(request, error.message)
            return redirect("vouchers_home")
        if "add_line" in request.POST:
            lines = OrderLineFormSet.with_extra_line(request.POST, products=products)
            return self._render(request, header, lines, table=table)
        lines = OrderLineFormSet(request.POST, products=products)
        if not (header.is_valid() and lines.is_valid()):
            return self._render(request, header, lines, table=table)
        requested = [form.line_request() for form in lines.forms]
        if "preview" in request.POST:
            return self._render(request, header, lines, table=table, requested=requested)
        return form_once(request, lambda: self._order(request, header, lines, table, requested))

    def _order(self, request, header, lines, table, requested):
        """The order itself, once per form (portal.onetime): a double click orders once."""
        try:
            order = services.voucher_order_create(tenant=self.tenant, lines=requested, **header.cleaned_data)
        except PortalError as error:
            line_error_show(error=error, form=header, formset=lines)
            return False, self._render(request, header, lines, table=table, requested=requested)
        messages.success(request, _("Order %(number)s created: %(count)s vouchers.") % {
            "number": order.pk, "count": sum(line.quantity for line in requested)})
        return True, redirect("voucher_order", pk=order.pk)

    def _render(self, request, header, lines, *, table=None, requested=None):
        refusal = selectors.voucher_order_refusal(tenant=self.tenant)
        refusal = refusal and str(refusal.message)
        if lines is None and refusal is None:
            try:
                products, table = contract_products_today(tenant=self.tenant)
            except PortalError as error:
                refusal = str(error.message)
            else:
                lines = OrderLineFormSet(products=products)
        prices = line_price_rows(table=table, lines=requested) if table and requested else None
        return render(request, self.template_name, {"header": header, "lines": lines, "refusal": refusal,
                                                    "prices": prices, "currency": self.tenant.partner.currency})


class VoucherPriceView(LinePricesView):
    """Live line prices and total for the order form (JSON; the form works without it)."""

    permission = Perm.VOUCHERS_MANAGE
    formset_class = OrderLineFormSet


@dataclass(frozen=True, slots=True)
class CodeRow:
    """One row of an order's code table, its texts made once per line, date and status."""

    pk: int
    status: str
    status_label: str
    product: str
    years: str
    expires_on: str
    fqdns: int
    wildcards: int
    shipping: str
    shown: str  # the code, or its masked form
    redemption_url: str
    pdf_url: str
    reissue_url: str


def code_rows(codes, *, lines: dict, reveal: bool) -> list[CodeRow]:
    """The page's codes as rows. A page holds up to a hundred codes of a few lines: their product,
    years, date and status texts are the same for many rows, so each is made once (the template
    would translate and format every one of them again per row). `lines`: the order's lines by id,
    with their products."""
    statuses = dict(CodeStatus.choices)
    texts, dates = {}, {}
    # The two per-code links differ only in the code's id: reversed once each, then filled in.
    pdf_url, reissue_url = (reverse(name, args=[0]).split("/0/", 1)
                            for name in ("voucher_code_pdf", "voucher_code_reissue"))
    rows = []
    for code in codes:
        line = lines[code.line_id]
        if line.pk not in texts:
            years = ngettext("%(years)s year", "%(years)s years", line.years) % {"years": line.years}
            texts[line.pk] = (line.product.display_name, years, line.get_shipping_method_display())
        if code.expires_on not in dates:
            dates[code.expires_on] = date_format(code.expires_on, "DATE_FORMAT")
        product, years, shipping = texts[line.pk]
        rows.append(CodeRow(
            pk=code.pk, status=code.status, status_label=statuses.get(code.status, code.status), product=product,
            years=years, expires_on=dates[code.expires_on], fqdns=line.fqdns, wildcards=line.wildcards,
            shipping=shipping,
            shown=code.value if reveal else code.masked, redemption_url=selectors.redemption_url(code),
            pdf_url=f"{pdf_url[0]}/{code.pk}/{pdf_url[1]}", reissue_url=f"{reissue_url[0]}/{code.pk}/{reissue_url[1]}"))
    return rows


@no_store
class VoucherOrderDetailView(TenantObjectMixin, TemplateView):
    model = VoucherOrder
    permission = Perm.VOUCHERS_VIEW
    template_name = "vouchers/order_detail.html"

    def get_context_data(self, **kwargs):
        order = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        reveal = self.request.GET.get("show") == "1" and self.tenant.can(Perm.VOUCHER_CODES_REVEAL)
        search = list_search(self.request)
        codes = selectors.voucher_codes(tenant=self.tenant, order=order, search=search)
        status = self.request.GET.get("status", "")
        if status in CodeStatus.values:
            codes = codes.filter(status=status)
        sort = list_sort(self.request, CODE_COLUMNS, default="id")
        # The codes alone: their lines and products are the order's few, read once below.
        codes = codes.select_related(None).only("pk", "status", "value", "expires_on", "line_id")
        page = Paginator(sort.apply(codes), 100).get_page(self.request.GET.get("page"))
        lines = list(order.lines.select_related("product"))
        return super().get_context_data(order=order, lines=lines, page=page,
                                        rows=code_rows(page.object_list, lines={line.pk: line for line in lines},
                                                       reveal=reveal),
                                        reveal=reveal, can_manage=self.tenant.can(Perm.VOUCHERS_MANAGE),
                                        can_reveal=self.tenant.can(Perm.VOUCHER_CODES_REVEAL),
                                        code_statuses=[c for c in CodeStatus.choices if c[0] != "replaced"],
                                        status=status, sort=sort, search=search,
                                        cancel_refusal=order_cancel_refusal(self.tenant, order),
                                        **kwargs)


class VoucherOrderCancelView(ConfirmMixin, TenantObjectMixin, View):
    """V-10 with a confirmation page: the refund and the codes it cancels, or why it cannot."""

    model = VoucherOrder
    permission = Perm.VOUCHERS_MANAGE

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def confirmation(self, request, order):
        refusal = order_cancel_refusal(self.tenant, order)
        codes = selectors.voucher_codes(tenant=self.tenant, order=order).count()
        refund = format_money(Money(order.total, order.currency), request.LANGUAGE_CODE)
        return Confirmation(
            title=_("Cancel order %(number)s?") % {"number": order.pk},
            consequences=[
                ngettext("The order and its %(count)s code become Cancelled: the code can no longer be redeemed.",
                         "The order and its %(count)s codes become Cancelled: none of them can be redeemed any "
                         "more.", codes) % {"count": codes},
                _("%(amount)s is refunded to your balance; the refund offsets your next invoice.") % {
                    "amount": refund},
            ],
            button=_("Cancel the order and refund %(amount)s") % {"amount": refund},
            back_url=reverse("voucher_order", args=[order.pk]),
            refusal=str(refusal.message) if refusal else None, once=True)

    def act(self, request, order):
        """Money moves: the confirmation form carries a one-time token, so it acts once."""
        return form_once(request, lambda: self._cancel(request, order))

    def _cancel(self, request, order):
        try:
            services.voucher_order_cancel(tenant=self.tenant, order=order)
        except PortalError as error:
            messages.error(request, error.message)
            return False, redirect("voucher_order", pk=order.pk)
        messages.success(request, _("Order cancelled; %(amount)s was refunded to your balance.") % {
            "amount": format_money(Money(order.total, order.currency), request.LANGUAGE_CODE)})
        return True, redirect("voucher_order", pk=order.pk)


class VoucherCodeReissueView(ConfirmMixin, TenantObjectMixin, View):
    """V-11 with a confirmation page: which code stops working and what replaces it."""

    model = VoucherCode
    permission = Perm.VOUCHERS_MANAGE

    def get_object(self):
        return get_object_or_404(selectors.voucher_codes(tenant=self.tenant), pk=self.kwargs["pk"])

    def confirmation(self, request, code):
        refusal = None
        if code.status != CodeStatus.ACTIVE:
            refusal = _("Only an Active code can be reissued.")
        return Confirmation(
            title=_("Reissue code %(code_id)s?") % {"code_id": code.pk},
            consequences=[
                _("Code %(code_id)s (%(masked)s) stops working at once and is hidden from the lists.") % {
                    "code_id": code.pk, "masked": code.masked},
                _("A new code for the same product takes its place, usable until %(date)s like the original: "
                  "send it to your customer.") % {"date": date_format(code.expires_on, "DATE_FORMAT")},
            ],
            button=_("Reissue the code"),
            back_url=reverse("voucher_order", args=[code.order_id]),
            refusal=refusal)

    def act(self, request, code):
        try:
            new = services.voucher_code_reissue(tenant=self.tenant, code=code)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Code %(old)s was replaced by code %(new)s with the same expiry date.") % {
                "old": code.pk, "new": new.pk})
        return redirect("voucher_order", pk=code.order_id)


def order_cancel_refusal(tenant, order):
    """V-10's refusal for the order page and the confirmation page (selectors hold the rule)."""
    # V-10 asks whether any code is not Active: one such code is enough to know (not all 10,000).
    statuses = (selectors.voucher_codes(tenant=tenant, order=order).exclude(status=CodeStatus.ACTIVE)
                .values_list("status", flat=True)[:1])
    return selectors.voucher_order_cancel_refusal(order=order, today=local_today(tenant.partner.time_zone),
                                                  code_statuses=statuses)



@no_store
class VoucherCodePdfView(TenantObjectMixin, View):
    """V-6: one voucher as a PDF, in the partner's language. Made in the request: it is a stamp
    on its design's page, which is laid out once and kept (~25 ms a voucher; a design's first
    voucher ~0.25 s, benchmarks/vouchers_pdf.py)."""

    model = VoucherCode
    permission = Perm.VOUCHER_CODES_REVEAL

    def get(self, request, pk: int):
        from ..pdf import voucher_pdf

        code = get_object_or_404(selectors.voucher_codes(tenant=self.tenant), pk=pk)
        return pdf_response(voucher_pdf(code), filename=f"voucher-{code.pk}.pdf")


class VoucherOrderPdfView(TenantObjectMixin, View):
    """V-6 / U-3: the whole order's vouchers in one PDF, built by a worker with progress."""

    model = VoucherOrder
    permission = Perm.VOUCHER_CODES_REVEAL

    def post(self, request, pk: int):
        order = get_object_or_404(self.get_queryset(), pk=pk)
        progress = services.voucher_order_pdf_start(tenant=self.tenant, order=order)
        return redirect("task_progress", pk=progress.pk)


@no_store
class VoucherOrderCodesCsvView(TenantObjectMixin, View):
    model = VoucherOrder
    permission = Perm.VOUCHER_CODES_REVEAL

    def get(self, request, pk: int):
        order = get_object_or_404(self.get_queryset(), pk=pk)
        return exports.order_codes_csv(tenant=self.tenant, order=order)


class VoucherOrdersCsvView(TenantRequiredMixin, View):
    """V-7 exports 1 and 2: all orders, or filtered by created date and status."""

    permission = Perm.VOUCHERS_VIEW

    def get(self, request):
        form = OrderFilterForm(request.GET)
        if not form.is_valid():
            return render(request, "vouchers/export_error.html", {"form": form}, status=400)
        data = form.cleaned_data
        return exports.orders_csv(tenant=self.tenant, status=data["status"], date_from=data["date_from"],
                                  date_to=data["date_to"])


@no_store
class VoucherUsedCodesCsvView(TenantRequiredMixin, View):
    permission = Perm.VOUCHER_CODES_REVEAL

    def get(self, request):
        if not self.tenant.can(Perm.VOUCHER_CODES_REVEAL):
            raise PermissionDenied
        return exports.used_codes_csv(tenant=self.tenant)
