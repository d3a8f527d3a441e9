from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EntryType, InvoiceKind, InvoiceStatus


class LedgerFilterForm(forms.Form):
    entry_type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All"))] + EntryType.choices)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + InvoiceStatus.choices)
    kind = forms.ChoiceField(label=_("Document"), required=False, choices=[("", _("All"))] + InvoiceKind.choices)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=16, decimal_places=2)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)
