"""Operator console forms (T-8). They validate input; the services in portal.tenancy.onboarding
and portal.tenancy.services decide and write."""


from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.money import CURRENCY_CHOICES

from .forms import BillingContactForm
from .models import ContractType, PaymentTerms
from .onboarding import ACCOUNT_NUMBER, InviteInput, PartnerInput
from .zones import time_zone_choices

_MONEY = {"min_value": 0, "max_digits": 14, "decimal_places": 2}


class CommercialFields(forms.Form):
    """T-7's commercial settings, kept by operator staff."""

    contract_type = forms.ChoiceField(label=_("Contract type"), choices=ContractType.choices,
                                      help_text=_("OnGoing: billed monthly in arrears."))
    payment_terms = forms.ChoiceField(label=_("Payment terms"), choices=PaymentTerms.choices)
    credit_limit = forms.DecimalField(label=_("Credit limit"), **_MONEY)
    low_balance_threshold = forms.DecimalField(label=_("Low-balance notification threshold"), **_MONEY)
    vouchers_enabled = forms.BooleanField(label=_("Vouchers feature enabled"), required=False)


class PartnerCreateForm(CommercialFields, BillingContactForm):
    name = forms.CharField(label=_("Partner name"), max_length=200)
    account_number = forms.CharField(label=_("Account number"), max_length=20, validators=[
        RegexValidator(ACCOUNT_NUMBER, _("Up to 20 letters, digits and hyphens, such as JP-0002."))])
    currency = forms.ChoiceField(label=_("Account currency"), choices=CURRENCY_CHOICES)
    language = forms.ChoiceField(label=_("Language"))
    time_zone = forms.ChoiceField(label=_("Time zone"),
                                  widget=forms.Select(attrs={"data-searchable": _("Filter the time zones")}))
    admin_email = forms.EmailField(label=_("First partner admin's e-mail address"), required=False,
                                   help_text=_("They are e-mailed an invitation link, valid for 7 days."))
    admin_first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    admin_last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    field_order = ["name", "account_number", "currency", "language", "time_zone", "contract_type", "payment_terms",
                   "credit_limit", "low_balance_threshold", "vouchers_enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["time_zone"].choices = time_zone_choices(language=self.data.get("language", "")
                                                             or self.initial.get("language", ""))
        self.fields["emails"].label = _("Billing e-mail addresses")

    def partner_input(self) -> PartnerInput:
        data = self.cleaned_data
        return PartnerInput(**{name: data[name] for name in PartnerInput.__dataclass_fields__})

    def billing_contact(self) -> dict:
        from .services import BILLING_CONTACT_FIELDS

        return {name: self.cleaned_data[name] for name in BILLING_CONTACT_FIELDS}

    def first_admin(self) -> InviteInput | None:
        data = self.cleaned_data
        if not data.get("admin_email"):
            return None
        return InviteInput(email=data["admin_email"], first_name=data["admin_first_name"],
                           last_name=data["admin_last_name"])

    def billing_fields(self):
        from .services import BILLING_CONTACT_FIELDS

        return [self[name] for name in BILLING_CONTACT_FIELDS]

    def partner_fields(self):
        return [self[name] for name in self.field_order]

    def admin_fields(self):
        return [self[name] for name in ("admin_email", "admin_first_name", "admin_last_name")]


class CommercialForm(CommercialFields):
    reason = forms.CharField(label=_("Reason for the change"), max_length=200,
                             help_text=_("Kept in the audit log with the change."))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    def invite_input(self) -> InviteInput:
        return InviteInput(**self.cleaned_data)
