from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import LicenceProduct, MarketSegment, OfferType
from portal.formsets import BoundedFormSet
from portal.tenancy.models import Reseller

from .services import MAX_PA_LINES, CustomerInput, PALineInput


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    market_segment = forms.ChoiceField(label=_("Market segment"), choices=MarketSegment.choices)
    offer_type = forms.ChoiceField(label=_("Offer type"), choices=OfferType.choices)
    region = forms.CharField(label=_("Region"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=300)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    contact_name = forms.CharField(label=_("Primary contact name"), max_length=200)
    contact_email = forms.EmailField(label=_("Primary contact e-mail"))
    anniversary = forms.DateField(label=_("Custom anniversary date (optional)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("Only for a first term longer than 12 months. It can never be changed."))
    reseller = forms.ModelChoiceField(label=_("Reseller"), queryset=Reseller.unscoped.none(), required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        if tenant.reseller is not None:
            del self.fields["reseller"]
        else:
            self.fields["reseller"].queryset = Reseller.objects.for_tenant(tenant)

    def customer_input(self) -> CustomerInput:
        data = self.cleaned_data
        return CustomerInput(**{name: data[name] for name in (
            "name", "market_segment", "offer_type", "region", "address", "postal_code", "contact_name",
            "contact_email", "anniversary")})


class PAForm(forms.Form):
    licence_type = forms.ChoiceField(label=_("Licence type"), choices=OfferType.choices)
    po_number = forms.CharField(label=_("Customer PO number (optional)"), max_length=64, required=False)
    deployment_date = forms.DateField(label=_("Deployment date"), widget=forms.DateInput(attrs={"type": "date"}))


class PALineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=LicenceProduct.objects.filter(is_active=True))
    licences = forms.IntegerField(label=_("Licences"), min_value=1, max_value=10000, initial=1)

    def line_input(self) -> PALineInput:
        return PALineInput(product_id=self.cleaned_data["product"].pk, licences=self.cleaned_data["licences"])


# A posted TOTAL_FORMS of 100,000 builds no more forms than the rows posted (portal.formsets).
PALineFormSet = forms.formset_factory(PALineForm, formset=BoundedFormSet, extra=0, min_num=1, validate_min=True,
                                      max_num=MAX_PA_LINES, validate_max=True, absolute_max=MAX_PA_LINES)


class VendorOrderForm(forms.Form):
    vendor_order_number = forms.CharField(label=_("Vendor order number"), max_length=64)


class AssignForm(forms.Form):
    email = forms.EmailField(label=_("User e-mail"))
