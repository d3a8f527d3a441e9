"""Finance → Quotes forms (B-9). They check the shape of the input; the rules (contract prices,
allowed validity, names, amounts above zero) are billing.quotes.services' decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.catalogue.lines import ProductLineForm, product_line_formset

from ..models import QuoteKind
from .services import MAX_LINES, MAX_MEMO

_KIND_ERRORS = {"required": _("Choose the quote type: Products or Account credit."),
                "invalid_choice": _("Choose the quote type: Products or Account credit.")}


class QuoteKindForm(forms.Form):
    """The type chooser above the form (GET): which fields the New quote form shows."""

    kind = forms.ChoiceField(label=_("Quote type"), choices=QuoteKind.choices, initial=QuoteKind.PRODUCTS,
                             widget=forms.Select(attrs={"data-autosubmit": ""}), error_messages=_KIND_ERRORS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "choose_%s")  # the quote form below has its own `kind` (hidden)
        super().__init__(*args, **kwargs)


class QuoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Quote type"), choices=QuoteKind.choices, widget=forms.HiddenInput,
                             error_messages=_KIND_ERRORS)
    memo = forms.CharField(label=_("Internal description (optional)"), max_length=MAX_MEMO, required=False,
                           help_text=_("A note for yourself; it is not printed on the quote."))


class QuoteCreditForm(forms.Form):
    credit_amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2)


class QuoteLineForm(ProductLineForm):
    """A product line of a quote: the shared line, asking for the quantity first."""

    field_order = ["quantity", "product", "years", "fqdns", "wildcards"]


QuoteLineFormSet = product_line_formset(QuoteLineForm, max_lines=MAX_LINES)


class QuoteEmailForm(forms.Form):
    to = forms.EmailField(label=_("E-mail address"), max_length=254,
                          help_text=_("The quote is sent there as a PDF attachment."))
