"""Finance → Quotes forms (B-9). They check the shape of the input; the rules (contract prices,
allowed validity, names, amounts above zero) are billing.services.quotes' decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import Product
from portal.catalogue.pricing import LineInput

from .models import QuoteKind
from .services.quotes import MAX_LINES, MAX_MEMO

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


class QuoteLineForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    years = forms.TypedChoiceField(label=_("Validity (years)"), coerce=int, choices=[(y, y) for y in range(1, 7)])
    fqdns = forms.IntegerField(label=_("FQDNs"), min_value=0, max_value=250, initial=1)
    wildcards = forms.IntegerField(label=_("Wildcards"), min_value=0, max_value=250, initial=0)

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"].queryset = products

    def line_input(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(product_id=data["product"].pk, years=data["years"], quantity=data["quantity"],
                         fqdns=data["fqdns"], wildcards=data["wildcards"])


class BaseQuoteLineFormSet(forms.BaseFormSet):
    """Lines offering the products of the partner's contract (`products`), also on the empty
    form that JavaScript copies for *Add another product*."""

    def __init__(self, *args, products=None, **kwargs):
        self.products = products
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"products": self.products}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), use_required_attribute=False,
                         products=self.products, renderer=self.renderer)
        self.add_fields(form, None)
        return form


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, formset=BaseQuoteLineFormSet, extra=0, min_num=1,
                                         validate_min=True, max_num=MAX_LINES, validate_max=True)


class QuoteEmailForm(forms.Form):
    to = forms.EmailField(label=_("E-mail address"), max_length=254,
                          help_text=_("The quote is sent there as a PDF attachment."))
