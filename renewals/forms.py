"""Renewals forms: they check types and ranges and hand plain values to the services, which hold
the rules (R-5); a service's refusal is shown on the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import LicenceProduct
from portal.errors import PortalError, add_to_form

from .models import PoolEntryKind
from .selectors import STATES, Colour, RenewalLine
from .services import RenewalLineInput
from .services.pools import MAX_LICENCE_YEARS
from .services.renewals import MAX_LICENCES, MAX_YEARS

STATE_LABELS = {
    "to_renew": _("To renew (orange or red)"),
    **{colour.value: colour.label for colour in Colour},
    "upcoming": _("Upcoming renewals"),
    "ready": _("Ready for renewal"),
}


class RenewalFilterForm(forms.Form):
    """R-4's filters: a colour or window, a reseller, a solution."""

    state = forms.ChoiceField(label=_("Status"), required=False,
                              choices=[("", _("All"))] + [(state, STATE_LABELS[state]) for state in STATES])
    reseller = forms.TypedChoiceField(label=_("Reseller"), required=False, coerce=int, empty_value=None)
    product = forms.TypedChoiceField(label=_("Solution"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, resellers=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reseller"].choices = [("", _("All"))] + [(r.pk, r.name) for r in resellers]
        self.fields["product"].choices = [("", _("All"))] + [(p.pk, p.name) for p in products]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"state": data.get("state", ""), "reseller_id": data.get("reseller"),
                "product_id": data.get("product")}


class RenewForm(forms.Form):
    """R-5: years to add, and licences to renew per due subscription (`licences_<id>`)."""

    years = forms.TypedChoiceField(label=_("Years to add"), coerce=int, initial=1,
                                   choices=[(n, n) for n in range(1, MAX_YEARS + 1)])

    def __init__(self, *args, lines: list[RenewalLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[self.field_name(line)] = forms.IntegerField(
                label=_("Licences to renew: %(product)s") % {"product": line.subscription.product.name},
                min_value=0, max_value=MAX_LICENCES, initial=line.held)

    @staticmethod
    def field_name(line: RenewalLine) -> str:
        return f"licences_{line.subscription.pk}"

    def rows(self) -> list[dict]:
        """Each due subscription with its field and what its pool keeps after the renewal
        (available − licences × years), from the numbers entered (or the defaults)."""
        data = getattr(self, "cleaned_data", None)
        years = data.get("years") if data is not None else self.fields["years"].initial
        rows = []
        for line in self.lines:
            name = self.field_name(line)
            licences = data.get(name) if data is not None else line.held
            left = line.available - licences * years if licences is not None and years else None
            rows.append({"line": line, "field": self[name], "licences": licences, "left": left})
        return rows

    def service_input(self) -> dict:
        return {"years": self.cleaned_data["years"],
                "lines": [RenewalLineInput(line.subscription.pk, self.cleaned_data[self.field_name(line)])
                          for line in self.lines]}

    def show_error(self, error: PortalError) -> None:
        """`lines[i].licences` lands on the i-th line's field."""
        field = error.field or ""
        if field.startswith("lines[") and "]" in field:
            index = int(field[6:field.index("]")])
            if index < len(self.lines):
                self.add_error(self.field_name(self.lines[index]), str(error.message))
                return
        add_to_form(self, error)


class PoolPurchaseForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Licence product"), coerce=int)
    licence_years = forms.IntegerField(label=_("Licence-years"), min_value=1, max_value=MAX_LICENCE_YEARS)

    def __init__(self, *args, prices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(price.product_id, price.product.name) for price in prices]


class PoolTransferForm(forms.Form):
    DIRECTIONS = [("allocate", _("Allocate to the reseller")), ("take_back", _("Take back from the reseller"))]

    direction = forms.ChoiceField(label=_("Movement"), choices=DIRECTIONS)
    product = forms.TypedChoiceField(label=_("Licence product"), coerce=int)
    reseller = forms.TypedChoiceField(label=_("Reseller"), coerce=int)
    licence_years = forms.IntegerField(label=_("Licence-years"), min_value=1, max_value=MAX_LICENCE_YEARS)

    def __init__(self, *args, products=(), resellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, p.name) for p in products]
        self.fields["reseller"].choices = [(r.pk, r.name) for r in resellers]


class PoolLedgerFilterForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Licence product"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All"))] + PoolEntryKind.choices)
    owner = forms.ChoiceField(label=_("Pool"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, products=(), resellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("All"))] + [(p.pk, p.name) for p in products]
        self.fields["owner"].choices = [("", _("All")), ("partner", _("Your own pool"))] + [
            (str(r.pk), r.name) for r in resellers]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"product_id": data.get("product"), "kind": data.get("kind", ""), "reseller": data.get("owner", ""),
                "date_from": data.get("date_from"), "date_to": data.get("date_to")}


class PoolCorrectionForm(forms.Form):
    """Operator staff: credit (positive) or correct (negative) a pool, with a reason."""

    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int)
    product = forms.ModelChoiceField(label=_("Licence product"), queryset=LicenceProduct.objects.order_by("name"))
    reseller = forms.IntegerField(label=_("Reseller (empty: the partner's own pool)"), required=False,
                                  widget=forms.Select)
    quantity = forms.IntegerField(label=_("Licence-years (negative to take away)"),
                                  min_value=-MAX_LICENCE_YEARS, max_value=MAX_LICENCE_YEARS)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, partners=(), resellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [(p.pk, p.name) for p in partners]
        self.fields["reseller"].widget.choices = [("", "—")] + [(r.pk, f"{r.partner.name} — {r.name}")
                                                               for r in resellers]
