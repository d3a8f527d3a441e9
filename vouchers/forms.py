from dataclasses import asdict, replace

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.catalogue.lines import ProductLineForm, product_line_formset
from portal.catalogue.pricing import LineInput

from .models import CodeStatus, OrderStatus, ShippingMethod
from .services import CertificateRequestInput, LineRequest
from .services.orders import MAX_LINES
from .services.redemption import token_ships


class OrderHeaderForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer (optional)"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes (optional)"), max_length=500, required=False,
                            help_text=_("Internal only, for example your invoice number."))


class OrderLineForm(ProductLineForm):
    code_signing_addon = forms.BooleanField(label=_("Code-signing add-on"), required=False,
                                            help_text=_("Products that offer it only."))
    shipping_method = forms.ChoiceField(label=_("Token shipping"), choices=ShippingMethod.choices, required=False,
                                        help_text=_("EV code signing only."))

    def line_input(self) -> LineInput:
        """The line as pricing takes it, the add-on included (live prices too)."""
        return replace(super().line_input(), code_signing_addon=bool(self.cleaned_data.get("code_signing_addon")))

    def line_request(self) -> LineRequest:
        """The valid line as vouchers.services.voucher_order_create takes it."""
        return LineRequest(**asdict(self.line_input()), shipping_method=self.cleaned_data.get("shipping_method") or "")


OrderLineFormSet = product_line_formset(OrderLineForm, max_lines=MAX_LINES)


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

    def __init__(self, *args, line=None, **kwargs):
        """With the voucher's order line: its limits in the help texts (the common name counts as one
        of the names), and no wildcard box when the voucher allows no wildcard name (V-8)."""
        super().__init__(*args, **kwargs)
        if line is None:
            return
        self.fields["additional_names"].help_text = ngettext(
            "One name per line, or separated by commas or spaces. This voucher covers %(count)s name in all: "
            "the common name counts as one.",
            "One name per line, or separated by commas or spaces. This voucher covers %(count)s names in all: "
            "the common name counts as one.", line.fqdns) % {"count": line.fqdns}
        if line.wildcards == 0:
            del self.fields["wildcard_names"]
        else:
            self.fields["wildcard_names"].help_text = ngettext(
                "Names such as *.example.com, one per line. This voucher covers %(count)s wildcard name; a wildcard "
                "common name counts as one.",
                "Names such as *.example.com, one per line. This voucher covers %(count)s wildcard names; a "
                "wildcard common name counts as one.", line.wildcards) % {"count": line.wildcards}

    def request_input(self) -> CertificateRequestInput:
        data = self.cleaned_data
        return CertificateRequestInput(common_name=data["common_name"], organisation=data["organisation"],
                                       additional_names=data["additional_names"],
                                       wildcard_names=data.get("wildcard_names") or [],
                                       server_licences=data["server_licences"])


class CodeSigningRequestForm(forms.Form):
    """V-8 for code-signing, EV code-signing and token vouchers: the organisation, no domain names."""

    organisation = forms.CharField(label=_("Organisation (legal name)"), max_length=200)
    organisation_address = forms.CharField(label=_("Organisation address"), max_length=500,
                                           widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = forms.CharField(label=_("Contact name"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    shipping_address = forms.CharField(label=_("Token shipping address"), max_length=500,
                                       widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, ships_token: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ships_token:
            del self.fields["shipping_address"]

    def request_input(self) -> CertificateRequestInput:
        data = self.cleaned_data
        return CertificateRequestInput(organisation=data["organisation"],
                                       organisation_address=data["organisation_address"],
                                       contact_name=data["contact_name"], contact_email=data["contact_email"],
                                       shipping_address=data.get("shipping_address", ""))


def certificate_request_form(line, *args, **kwargs) -> forms.Form:
    """The request form a voucher line's product asks for (V-8)."""
    if line.product.requests_organisation:
        return CodeSigningRequestForm(*args, ships_token=token_ships(line), **kwargs)
    return CertificateRequestForm(*args, line=line, **kwargs)
