from django import forms
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import Product

from .models import CodeStatus, OrderStatus, ShippingMethod
from .services import CertificateRequestInput, LineRequest


class OrderHeaderForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer (optional)"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes (optional)"), max_length=500, required=False,
                            help_text=_("Internal only, for example your invoice number."))


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    years = forms.TypedChoiceField(label=_("Validity (years)"), coerce=int, choices=[(y, y) for y in range(1, 7)])
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    fqdns = forms.IntegerField(label=_("FQDNs"), min_value=0, max_value=250, initial=1)
    wildcards = forms.IntegerField(label=_("Wildcards"), min_value=0, max_value=250, initial=0)
    shipping_method = forms.ChoiceField(label=_("Token shipping"), choices=ShippingMethod.choices, required=False,
                                        help_text=_("EV code signing only."))

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"].queryset = products

    def line_request(self) -> LineRequest:
        data = self.cleaned_data
        return LineRequest(product_id=data["product"].pk, years=data["years"], quantity=data["quantity"],
                           fqdns=data["fqdns"], wildcards=data["wildcards"],
                           shipping_method=data.get("shipping_method") or "")


class BaseLineFormSet(forms.BaseFormSet):
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


OrderLineFormSet = forms.formset_factory(OrderLineForm, formset=BaseLineFormSet, extra=0, min_num=1,
                                         validate_min=True, max_num=50, validate_max=True)


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Order status"), required=False,
                               choices=[("", _("All"))] + OrderStatus.choices)
    code_status = forms.ChoiceField(label=_("Code status"), required=False,
                                    choices=[("", _("All"))] + [c for c in CodeStatus.choices if c[0] != "replaced"])
    date_from = forms.DateField(label=_("Created from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class NameListField(forms.CharField):
    """Names one per line (or separated by commas or spaces)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part for part in text.replace(",", " ").split() if part]


class CertificateRequestForm(forms.Form):
    common_name = forms.CharField(label=_("Common name"), max_length=253,
                                  help_text=_("The main name of the certificate, for example www.example.com."))
    additional_names = NameListField(label=_("Additional names (FQDNs)"), required=False)
    wildcard_names = NameListField(label=_("Wildcard names"), required=False,
                                   help_text=_("For example *.example.com"))
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    server_licences = forms.IntegerField(label=_("Server licences"), min_value=1, max_value=500, initial=1)

    def request_input(self) -> CertificateRequestInput:
        data = self.cleaned_data
        return CertificateRequestInput(common_name=data["common_name"], organisation=data["organisation"],
                                       additional_names=data["additional_names"],
                                       wildcard_names=data["wildcard_names"],
                                       server_licences=data["server_licences"])
