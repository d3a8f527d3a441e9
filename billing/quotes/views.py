"""Finance → Quotes (B-9): the saved quotes, New quote, the quick view, preview and PDF download,
e-mail as a PDF attachment, and permanent deletion after a confirmation step.

Every page works without JavaScript: the quote type is chosen with a plain GET form, and *Add
another product* and *Show prices* are submit buttons; with JavaScript (static/js/portal.js, the
same enhancement as the voucher order form), lines are added in place and prices update as you
type. "Create purchase order" is not offered: partners here are on an OnGoing contract, which
needs no purchase order.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.catalogue.lines import line_error_show, line_price_rows
from portal.catalogue.selectors import contract_products_today
from portal.catalogue.views import LinePricesView
from portal.dates import local_today
from portal.downloads import pdf_response
from portal.errors import PortalError, add_to_form, form_service
from portal.jobs.models import ProgressStatus
from portal.listing import list_search, list_sort
from portal.tenancy.mixins import TenantObjectMixin, TenantRequiredMixin
from portal.tenancy.roles import Perm

from ..models import Quote, QuoteKind
from . import selectors, services
from .forms import QuoteCreditForm, QuoteEmailForm, QuoteForm, QuoteKindForm, QuoteLineFormSet


def _today(tenant):
    return local_today(tenant.partner.time_zone)


class QuoteListView(TenantRequiredMixin, TemplateView):
    """Saved quotes: saved date (links to the quick view), memo, price, status."""

    permission = Perm.QUOTES_VIEW
    template_name = "billing/quotes/list.html"

    def get_context_data(self, **kwargs):
        search = list_search(self.request)
        quotes = selectors.quotes_for(tenant=self.tenant)
        if search:
            quotes = quotes.filter(memo__icontains=search)
        sort = list_sort(self.request, QUOTE_COLUMNS, default="-saved")
        page = Paginator(sort.apply(quotes), 25).get_page(self.request.GET.get("page"))
        today = _today(self.tenant)
        page.object_list = list(page.object_list)
        for quote in page.object_list:
            quote.is_valid = selectors.quote_is_valid(quote, today=today)
        return super().get_context_data(page=page, sort=sort, search=search, **kwargs)


QUOTE_COLUMNS = {"saved": ("saved_on",), "memo": ("memo",), "price": ("total",)}


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
            products, table = contract_products_today(tenant=self.tenant)
        except PortalError as error:
            return self._render(request, form, QuoteKind.PRODUCTS, refusal=error.message)
        if "add_line" in request.POST:
            lines = QuoteLineFormSet.with_extra_line(request.POST, products=products)
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table)
        lines = QuoteLineFormSet(request.POST, products=products)
        if not (form.is_valid() and lines.is_valid()):
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table)
        requested = [line.line_input() for line in lines.forms]
        if "preview" in request.POST:
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table, requested=requested)
        try:
            quote = services.quote_create(tenant=self.tenant, kind=QuoteKind.PRODUCTS,
                                          memo=form.cleaned_data["memo"], lines=requested)
        except PortalError as error:
            line_error_show(error=error, form=form, formset=lines)
            return self._render(request, form, QuoteKind.PRODUCTS, lines=lines, table=table, requested=requested)
        return self._saved(request, quote)

    def _saved(self, request, quote):
        messages.success(request, _("Quote %(number)s saved.") % {"number": str(quote)})
        return redirect("quote", pk=quote.pk)

    def _render(self, request, form, kind, *, chooser=None, credit=None, lines=None, table=None, requested=None,
                refusal=None):
        if kind == QuoteKind.PRODUCTS and lines is None and refusal is None:
            try:
                products, table = contract_products_today(tenant=self.tenant)
            except PortalError as error:
                refusal = error.message
            else:
                lines = QuoteLineFormSet(products=products)
        return render(request, self.template_name, {
            "chooser": chooser or QuoteKindForm(initial={"kind": kind}), "form": form, "kind": kind,
            "credit": credit or QuoteCreditForm(), "lines": lines, "refusal": refusal,
            "prices": line_price_rows(table=table, lines=requested) if table and requested else None,
            "currency": self.tenant.partner.currency,
        })


class QuotePriceView(LinePricesView):
    """Live line prices and total for the New quote form (JSON; the form works without it)."""

    permission = Perm.QUOTES_MANAGE
    formset_class = QuoteLineFormSet


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
            "is_valid": selectors.quote_is_valid(quote, today=_today(tenant)),
            "email_form": email_form or QuoteEmailForm(), "can_manage": tenant.can(Perm.QUOTES_MANAGE)}


class _QuotePdfBase(TenantObjectMixin, View):
    """The quote's PDF as a worker made it (U-3: nothing is rendered in the request). Not made
    yet, or made before the partner's language or billing contact changed: a worker is asked for
    it and the request goes to its progress page. POST is that page's *Try again*."""

    model = Quote
    permission = Perm.QUOTES_VIEW
    inline = False

    def get(self, request, pk: int):
        quote = get_object_or_404(self.get_queryset().select_related("partner"), pk=pk)
        made = services.quote_pdf_current(tenant=self.tenant, quote=quote)
        if made is None or made.status != ProgressStatus.DONE:
            return self._make(quote)
        with made.file.open("rb") as stored:
            return pdf_response(stored.read(), filename=f"quote-{quote}.pdf", inline=self.inline)

    def post(self, request, pk: int):
        return self._make(get_object_or_404(self.get_queryset().select_related("partner"), pk=pk))

    def _make(self, quote: Quote):
        progress = services.quote_pdf_start(tenant=self.tenant, quote=quote)
        return redirect("task_progress", pk=progress.pk)


class QuotePdfView(_QuotePdfBase):
    """Download the quote as a PDF."""


class QuotePreviewView(_QuotePdfBase):
    """The same PDF, shown in the browser."""

    inline = True


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
