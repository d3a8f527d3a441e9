from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from portal.money import CURRENCY_CHOICES

from .models import Reseller
from .roles import MEMBERSHIP_ROLES, Role
from .zones import time_zone_choices


class PartnerSettingsForm(forms.Form):
    currency = forms.ChoiceField(label=_("Account currency"), choices=CURRENCY_CHOICES)
    language = forms.ChoiceField(label=_("Language"))
    time_zone = forms.ChoiceField(label=_("Time zone"),
                                  widget=forms.Select(attrs={"data-searchable": _("Filter the time zones")}))
    low_balance_threshold = forms.DecimalField(label=_("Low-balance notification threshold"), min_value=0,
                                               max_digits=14, decimal_places=2)

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["time_zone"].choices = time_zone_choices(language=self.initial.get("language", ""),
                                                             current=self.initial.get("time_zone", ""))


class EmailListField(forms.CharField):
    """One or more e-mail addresses, separated by commas, semicolons or new lines."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        validator = forms.EmailField()
        for address in value:
            try:
                validator.clean(address)
            except forms.ValidationError:
                raise forms.ValidationError(_("%(address)s is not a valid e-mail address."),
                                            params={"address": address}) from None

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class BillingContactForm(forms.Form):
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation name"), max_length=200, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False,
                              help_text=_("Two-letter code: JP, FR, SE …"))
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State/province/region"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    emails = EmailListField(label=_("E-mail addresses"), required=True,
                            help_text=_("Invoices go to every address; separate them with commas."))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError(_("Use the two-letter country code (JP, FR, SE …)."))
        return country


class MembershipForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MEMBERSHIP_ROLES)
    reseller = forms.ModelChoiceField(label=_("Reseller"), queryset=Reseller.unscoped.none(), required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reseller"].queryset = Reseller.objects.for_tenant(tenant)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.RESELLER_USER and not data.get("reseller"):
            self.add_error("reseller", _("A reseller user needs a reseller."))
        return data


class MembershipRoleForm(MembershipForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("email", "first_name", "last_name"):
            del self.fields[name]


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.ChoiceField(label=_("Role"),
                             choices=[c for c in MEMBERSHIP_ROLES if c[0] != Role.RESELLER_USER])


class SignUpForm(forms.Form):
    """A person creates their own account (end customers redeeming a voucher or accepting an
    invitation); it belongs to no partner."""

    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    # Filled in by static/js/portal.js from the browser; without it, the language's usual zone.
    time_zone = forms.CharField(required=False, max_length=64,
                                widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""}))

    def clean_time_zone(self):
        from zoneinfo import available_timezones

        zone = self.cleaned_data.get("time_zone", "")
        return zone if zone in available_timezones() else ""

    def clean_email(self):
        # Whether the address has an account is never said here (it would tell anyone who has
        # one): the sign-up service answers by e-mail, to the address's owner.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
