"""Operator console forms for contract price tables (T-8, P-2). Rows become services.PriceRow
and are checked by services.price_rows_check, exactly as the rows of a CSV file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.formsets import BoundedFormSet

from .models import LicenceProduct, PriceComponent, Product
from .pricecsv import MAX_BYTES
from .services import PriceRow, RowKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PriceTableForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE,
                                 help_text=_("The first day, in the partner's time zone."))
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, help_text=_("The last day, included."))

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_from"] > data["valid_until"]:
            self.add_error("valid_until", _("The validity cannot end before it starts."))
        return data


class CsvFileField(forms.FileField):
    def validate(self, value):
        super().validate(value)
        if value and value.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))


class PriceTableCreateForm(PriceTableForm):
    csv_file = CsvFileField(label=_("Prices from a CSV file (optional)"), required=False,
                            help_text=_("The columns of the export: kind, code, years, component, name, list_price, "
                                        "discount_rate, offered_price. UTF-8, with or without BOM."))


class PriceImportForm(forms.Form):
    csv_file = CsvFileField(label=_("CSV file"), help_text=_(
        "Replaces every price of this table. The columns of the export: kind, code, years, component, name, "
        "list_price, discount_rate, offered_price. UTF-8, with or without BOM."))


class _PriceRowForm(forms.Form):
    list_price = forms.CharField(label=_("List price"), max_length=30, required=False)
    discount_rate = forms.CharField(label=_("Discount rate (%)"), max_length=10, required=False)
    offered_price = forms.CharField(label=_("Offered price"), max_length=30, required=False)

    kind = ""

    def price_row(self, line: int) -> PriceRow:
        data = self.cleaned_data
        return PriceRow(line=line, kind=self.kind, code=self.code(), years=str(data.get("years") or ""),
                        component=data.get("component", ""), name=data.get("name", ""),
                        list_price=data["list_price"], discount_rate=data["discount_rate"] or "0",
                        offered_price=data["offered_price"])


class CertificatePriceForm(_PriceRowForm):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.filter(is_active=True),
                                     to_field_name="code")
    years = forms.TypedChoiceField(label=_("Validity (years)"), choices=[(n, n) for n in range(1, 7)], coerce=int)
    component = forms.ChoiceField(label=_("Component"), choices=PriceComponent.choices)
    name = forms.CharField(label=_("Product name on the price list"), max_length=200, required=False)

    field_order = ["product", "years", "component", "name", "list_price", "discount_rate", "offered_price"]
    kind = RowKind.CERTIFICATE

    def code(self) -> str:
        return self.cleaned_data["product"].code


class LicencePriceForm(_PriceRowForm):
    product = forms.ModelChoiceField(label=_("Licence product"), queryset=LicenceProduct.objects.filter(
        is_active=True), to_field_name="sku")

    field_order = ["product", "list_price", "discount_rate", "offered_price"]
    kind = RowKind.LICENCE

    def code(self) -> str:
        return self.cleaned_data["product"].sku


# BoundedFormSet: a posted count builds no more forms than the rows posted (issue 10, U-4).
CertificatePriceFormSet = forms.formset_factory(CertificatePriceForm, formset=BoundedFormSet, extra=2,
                                                can_delete=True, max_num=5000, validate_max=True)
LicencePriceFormSet = forms.formset_factory(LicencePriceForm, formset=BoundedFormSet, extra=1, can_delete=True,
                                            max_num=5000, validate_max=True)


def formset_rows(certificates, licences) -> tuple[list[PriceRow], dict[int, tuple]]:
    """Rows of both formsets (deleted and blank rows left out), numbered 1, 2, … across both, and
    where each number came from, so a service's row error lands on its form."""
    rows, origin = [], {}
    for formset in (certificates, licences):
        for form in formset.forms:
            data = getattr(form, "cleaned_data", {})
            if data.get("DELETE") or not data.get("product"):  # removed, or a blank row to add one
                continue
            line = len(rows) + 1
            rows.append(form.price_row(line))
            origin[line] = form
    return rows, origin
