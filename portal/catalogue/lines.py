"""Priced product lines (P-2, P-3): the part every "lines of products" form shares, whatever it
sells them on (vouchers' order form, billing's quote form).

- `ProductLineForm` + `product_line_formset()`: one line (product, validity, quantity, FQDNs,
  wildcards) offering only the products of the partner's contract, in a formset prefixed `lines`
  (fields `lines-0-product`, `lines-TOTAL_FORMS`, …) that JavaScript can copy (`empty_form`).
- `line_price_rows()`: *Show prices* on the page (amounts, formatted by the template);
  `line_prices_live()`: the JSON body of the live-price endpoints (formatted for the language).
- `line_error_show()`: a service's refusal naming `lines[i].<field>` lands on line i's field.

The products a line may offer come from `selectors.contract_products_today`; the live-price
endpoint itself is `views.LinePricesView`; the API side is portal.api.lines.

An app adds its own fields to `ProductLineForm` (the token shipping of a voucher line) and keeps
its own rules in its services; the prices are always portal.catalogue.pricing's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
from operator import attrgetter

from django import forms
from django.db.models import QuerySet
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError, add_to_form
from portal.formsets import BoundedFormSet
from portal.money import Money, format_money

from .models import PriceTable, Product
from .pricing import LineInput, PriceBook

LINES_PREFIX = "lines"
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


class ProductLineForm(forms.Form):
    """One product line. `products` (a queryset) is what the product choice offers: pass the
    contract's (`selectors.contract_products_today`); without it the choice is empty."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    years = forms.TypedChoiceField(label=_("Validity (years)"), coerce=int, choices=[(y, y) for y in range(1, 7)])
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    fqdns = forms.IntegerField(label=_("FQDNs"), min_value=0, max_value=250, initial=1)
    wildcards = forms.IntegerField(label=_("Wildcards"), min_value=0, max_value=250, initial=0)

    def __init__(self, *args, products: QuerySet[Product] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"].queryset = products

    def line_input(self) -> LineInput:
        """The valid line as pricing takes it (call after `is_valid()`)."""
        data = self.cleaned_data
        return LineInput(product_id=data["product"].pk, years=data["years"], quantity=data["quantity"],
                         fqdns=data["fqdns"], wildcards=data["wildcards"])


class BaseProductLineFormSet(BoundedFormSet):
    """Lines offering `products` on every form, also on the empty form that JavaScript copies for
    *Add another product*. Prefixed `lines` unless told otherwise."""

    def __init__(self, *args, products: QuerySet[Product] | None = None, **kwargs):
        self.products = products
        super().__init__(*args, **kwargs)

    @classmethod
    def get_default_prefix(cls) -> str:
        return LINES_PREFIX

    @classmethod
    def with_extra_line(cls, data, *, products: QuerySet[Product]) -> BaseProductLineFormSet:
        return formset_with_extra_line(cls, data, products=products)

    def get_form_kwargs(self, index):
        return {"products": self.products}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), use_required_attribute=False,
                         products=self.products, renderer=self.renderer)
        self.add_fields(form, None)
        return form


def formset_with_extra_line(formset_class: type[forms.BaseFormSet], data, **kwargs) -> forms.BaseFormSet:
    """*Add another product* without JavaScript, for any formset of lines: the posted lines plus
    one empty line, never more than the formset's `max_num` lines."""
    posted = formset_class(data, **kwargs)
    data = data.copy()
    data[posted.add_prefix(TOTAL_FORM_COUNT)] = str(min(posted.total_form_count() + 1, formset_class.max_num))
    return formset_class(data, **kwargs)


def product_line_formset(form: type[ProductLineForm], *, max_lines: int) -> type[BaseProductLineFormSet]:
    """A formset class of `form` lines: at least one line, at most `max_lines` (both validated)."""
    # absolute_max: a posted TOTAL_FORMS of 100,000 builds no more forms than the largest real order.
    return forms.formset_factory(form, formset=BaseProductLineFormSet, extra=0, min_num=1, validate_min=True,
                                 max_num=max_lines, validate_max=True, absolute_max=max_lines)


def _priced_row(book: PriceBook, line: LineInput, show: Callable[[Money], object]) -> tuple[dict, Money]:
    """One line's row and what it adds to the total: nothing when the contract refuses it (the row
    then carries the reason)."""
    try:
        price = book.price(line)
    except PortalError as error:
        return {"error": str(error.message)}, Money.zero(book.currency)
    return {"unit": show(price.unit), "total": show(price.total)}, price.total


def line_price_rows(*, table: PriceTable, lines: Iterable[LineInput]) -> dict:
    """*Show prices* for the page: `{"lines": [{"unit", "total"} | {"error"}, …], "total"}`, one
    row per line in order, amounts as `Decimal` in the table's currency. A refused line shows its
    reason and adds nothing to the total. One query (the table's entries)."""
    book, rows, total = PriceBook(table), [], Money.zero(table.currency)
    for line in lines:
        row, amount = _priced_row(book, line, attrgetter("amount"))
        rows.append(row)
        total += amount
    return {"lines": rows, "total": total.amount}


def _pending_row(form: ProductLineForm) -> dict:
    """An invalid line's row: its errors, or nothing while it is still being filled in (no product
    chosen yet), so that a new line is not shown as wrong."""
    errors = form.errors if form["product"].value() else {}
    return {"error": " ".join(" ".join(messages) for messages in errors.values())} if errors else {}


def line_prices_live(*, table: PriceTable, formset: BaseProductLineFormSet, language: str) -> dict:
    """The live-price JSON body: like `line_price_rows`, for the lines as typed so far, with money
    formatted for `language`; an invalid line gets `_pending_row`."""
    book, rows, total = PriceBook(table), [], Money.zero(table.currency)
    show = partial(format_money, language=language)
    for form in formset.forms:
        if not form.is_valid():
            rows.append(_pending_row(form))
            continue
        row, amount = _priced_row(book, form.line_input(), show)
        rows.append(row)
        total += amount
    return {"lines": rows, "total": show(total)}


def line_error_show(*, error: PortalError, form: forms.Form, formset: forms.BaseFormSet) -> None:
    """Show a service's refusal where it belongs: `lines[1].fqdns` on the second line's FQDNs
    field (or on that line as a whole if it has no such field); anything else on `form` (the
    header above the lines)."""
    match = _LINE_FIELD.match(error.field or "")
    if match and int(match[1]) < len(formset.forms):
        add_to_form(formset.forms[int(match[1])], PortalError(error.code, error.message, field=match[2]))
    else:
        add_to_form(form, error)
