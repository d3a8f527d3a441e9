"""Finance → Quotes (B-9): the saved quotes, New quote, the quick view, preview and PDF download,
e-mail as a PDF attachment, and permanent deletion after a confirmation step.

Every page works without JavaScript: the quote type is chosen with a plain GET form, and *Add
another product* and *Show prices* are submit buttons; with JavaScript (static/js/portal.js, the
same enhancement as the voucher order form), lines are added in place and prices update as you
type. "Create purchase order" is not offered: partners here are on an OnGoing contract, which
needs no purchase order.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.catalogue.models import PriceEntry, Product
from portal.catalogue.pricing import PriceBook, price_table_current
from portal.dates import local_today
from portal.errors import PortalError, add_to_form, form_service
from portal.money import Money, format_money
from portal.tenancy.mixins import TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.roles import Perm

from ..forms_quotes import QuoteCreditForm, QuoteEmailForm, QuoteForm, QuoteKindForm, QuoteLineFormSet
from ..models import Quote, QuoteKind
from ..services import quotes as services

_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def _today(tenant):
    return local_today(tenant.partner.time_zone)


def _products(tenant):
    """Products of the contract valid today: the only ones a quote can price (P-2)."""
    table = price_table_current(partner=tenant.partner, on=_today(tenant))
    ids = PriceEntry.objects.for_tenant(tenant).filter(table=table).values("product_id")
    return Product.objects.filter(pk__in=ids, is_active=True).order_by("name"), table


class QuoteListView(TenantRequiredMixin, TemplateView):
    """Saved quotes: saved date (links to the quick view), memo, price, status."""

    permission = Perm.QUOTES_VIEW
    template_name = "billing/quotes/list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(services.quotes_for(tenant=self.tenant), 25).get_page(self.request.GET.get("page"))
        today = _today(self.tenant)
        page.object_list = list(page.object_list)
        for quote in page.object_list:
            quote.is_valid = services.quote_is_valid(quote, today=today)
        return super().get_context_data(page=page, **kwargs)


class QuoteCreateView(TenantRequiredMixin, View):
    """New quote: choose the type, then *Products* (lines priced from today's contract) or
    *Account credit* (one amount), and an internal description."""

    permission = Perm.QUOTES_MANAGE
    template_name = "billing/quotes/new.html"

    def get(self, request):
        chooser = QuoteKindForm(request.GET or None)
        kind = chooser.cleaned_data["kind"] if chooser.is_valid() else QuoteKind.PRODUCTS
        if not chooser.is_bound:
            chooser = QuoteKindForm(initial={"kind": kind})
        return self._render(request, QuoteForm(initial={"kind": kind}), kind, chooser=chooser)

    def post(self, request):
        form = QuoteForm(request.POST)
        kind = request.POST.get("kind")
        if kind == QuoteKind.ACCOUNT_CREDIT:
            return self._account_credit(request, form)
        if kind != QuoteKind.PRODUCTS:
            form.is_valid()  # names the missing or unknown type
            return self._render(request, form, QuoteKind.PRODUCTS)
        return self._products(request, form)

    def _account_credit(self, request, form):
        credit = QuoteCreditForm(request.POST)
        if not (form.is_valid() and credit.is_valid()):
            return self._render(request, form, QuoteKind.ACCOUNT_CREDIT, credit=credit)
        try:
            quote = services.quote_create(tenant=self.tenant, kind=QuoteKind.ACCOUNT_CREDIT,
                                          memo=form.cleaned_data["memo"],
                                          credit_amount=credit.cleaned_data["credit_amount"])
        except PortalError as error:
            add_to_form(credit if error.field == "credit_amount" else form, error)
            return self._render(request, form, QuoteKind.ACCOUNT_CREDIT, credit=credit)
        return self._saved(request, quote)

    def _products(self, request, form):
        try:
            products, table = _products(self.tenant)
        except PortalError as error:
            return self._render(request, form, QuoteKind.PRODUCTS, refusal=error.message)
        lines = QuoteLineFormSet(request.POST, prefix="lines", products=products)
        if "add_line" in request.POST:
            data = request.POST.copy()
            data["lines-TOTAL_FORMS"] = str(min(lines.total_form_count() + 1, services.MAX_LINES))
            lines = QuoteLineFormSet(data, prefix="lines", products=products)
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table)
        if not (form.is_valid() and lines.is_valid()):
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table)
        requested = [line.line_input() for line in lines.forms]
        if "preview" in request.POST:
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table, requested=requested)
        try:
            quote = services.quote_create(tenant=self.tenant, kind=QuoteKind.PRODUCTS,
                                          memo=form.cleaned_data["memo"], lines=requested)
        except PortalError as error:
            _show_error(error, form, lines)
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table, requested=requested)
        return self._saved(request, quote)

    def _saved(self, request, quote):
        messages.success(request, _("Quote %(number)s saved.") % {"number": str(quote)})
        return redirect("quote", pk=quote.pk)

    def _render(self, request, form, kind, *, chooser=None, credit=None, lines=None, table=None, requested=None,
                refusal=None):
        if kind == QuoteKind.PRODUCTS and lines is None and refusal is None:
            try:
                products, table = _products(self.tenant)
            except PortalError as error:
                refusal = error.message
            else:
                lines = QuoteLineFormSet(prefix="lines", products=products)
        return render(request, self.template_name, {
            "chooser": chooser or QuoteKindForm(initial={"kind": kind}), "form": form, "kind": kind,
            "credit": credit or QuoteCreditForm(), "lines": lines, "refusal": refusal,
            "prices": _price_rows(table, requested) if table and requested else None,
            "currency": self.tenant.partner.currency,
        })


def _price_rows(table, requested) -> dict:
    book = PriceBook(table)
    rows, total = [], Money.zero(table.currency)
    for line in requested:
        try:
            price = book.price(line)
        except PortalError as error:
            rows.append({"error": str(error.message)})
            continue
        rows.append({"unit": price.unit.amount, "total": price.total.amount})
        total += price.total
    return {"lines": rows, "total": total.amount}


def _show_error(error: PortalError, form, lines) -> None:
    """A service's refusal on the field it names: `lines[1].fqdns` → the second line's FQDNs."""
    match = _LINE_FIELD.match(error.field or "")
    if match and int(match[1]) < len(lines.forms):
        add_to_form(lines.forms[int(match[1])], PortalError(error.code, error.message, field=match[2]))
    else:
        add_to_form(form, error)


class QuotePriceView(TenantRequiredMixin, View):
    """Live line prices and total for the New quote form (JSON; the form works without it)."""

    permission = Perm.QUOTES_MANAGE

    def post(self, request):
        try:
            products, table = _products(self.tenant)
        except PortalError as error:
            return JsonResponse({"errors": [error.as_dict()]}, status=400)
        lines = QuoteLineFormSet(request.POST, prefix="lines", products=products)
        language = request.LANGUAGE_CODE
        book, rows, total = PriceBook(table), [], Money.zero(table.currency)
        for form in lines.forms:
            if not form.is_valid():
                # A line still being filled in (no product yet) has no price and no error yet.
                errors = form.errors if form["product"].value() else {}
                rows.append({"error": " ".join(" ".join(e) for e in errors.values())} if errors else {})
                continue
            try:
                price = book.price(form.line_input())
            except PortalError as error:
                rows.append({"error": str(error.message)})
                continue
            total += price.total
            rows.append({"unit": format_money(price.unit, language), "total": format_money(price.total, language)})
        return JsonResponse({"lines": rows, "total": format_money(total, language)})


class QuoteDetailView(TenantObjectMixin, TemplateView):
    """The quick view: price, memo, saved date, expiry date, the lines, and what can be done."""

    model = Quote
    permission = Perm.QUOTES_VIEW
    template_name = "billing/quotes/detail.html"

    def get_context_data(self, **kwargs):
        quote = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return super().get_context_data(**_detail_context(self.tenant, quote), **kwargs)


def _detail_context(tenant, quote, email_form=None) -> dict:
    return {"quote": quote, "lines": quote.lines.select_related("product").order_by("position", "id"),
            "is_valid": services.quote_is_valid(quote, today=_today(tenant)),
            "email_form": email_form or QuoteEmailForm(), "can_manage": tenant.can(Perm.QUOTES_MANAGE)}


class _QuotePdfBase(TenantObjectMixin, View):
    model = Quote
    permission = Perm.QUOTES_VIEW
    disposition = "attachment"

    def get(self, request, pk: int):
        from ..quote_pdf import quote_pdf  # WeasyPrint is heavy: load it when a PDF is asked for

        quote = get_object_or_404(self.get_queryset().select_related("partner"), pk=pk)
        response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
        response["Content-Disposition"] = f'{self.disposition}; filename="quote-{quote}.pdf"'
        return response


class QuotePdfView(_QuotePdfBase):
    """Download the quote as a PDF."""


class QuotePreviewView(_QuotePdfBase):
    """The same PDF, shown in the browser."""

    disposition = "inline"


class QuoteEmailView(TenantObjectMixin, View):
    model = Quote
    permission = Perm.QUOTES_MANAGE

    def post(self, request, pk: int):
        quote = get_object_or_404(self.get_queryset(), pk=pk)
        form = QuoteEmailForm(request.POST)
        if form.is_valid() and form_service(form, lambda: services.quote_email(
                tenant=self.tenant, quote=quote, to=form.cleaned_data["to"])):
            messages.success(request, _("Quote %(number)s is being sent to %(address)s as a PDF attachment.") % {
                "number": str(quote), "address": form.cleaned_data["to"]})
            return redirect("quote", pk=quote.pk)
        return render(request, "billing/quotes/detail.html", _detail_context(self.tenant, quote, form))


class QuoteDeleteView(TenantObjectMixin, View):
    """GET asks for confirmation; POST deletes the quote permanently."""

    model = Quote
    permission = Perm.QUOTES_MANAGE

    def get(self, request, pk: int):
        quote = get_object_or_404(self.get_queryset(), pk=pk)
        return render(request, "billing/quotes/delete.html", {"quote": quote})

    def post(self, request, pk: int):
        quote = get_object_or_404(self.get_queryset(), pk=pk)
        services.quote_delete(tenant=self.tenant, quote=quote)
        messages.success(request, _("Quote %(number)s was deleted.") % {"number": str(quote)})
        return redirect("quotes")
