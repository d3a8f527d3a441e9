from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from portal.admin_base import UnscopedAdmin, UnscopedAdminMixin, form_changes
from portal.audit.services import audit_record
from portal.errors import PortalError

from . import services
from .models import BillingContact, DelegationConsent, Membership, Partner, PartnerInvitation, Reseller, User

# The portal's roles are memberships (portal.tenancy.roles), not Django groups.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(UnscopedAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_operator", "is_active"]
    list_filter = ["is_operator", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "language"]}),
        (_("Access"), {"fields": ["is_active", "is_operator", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ResellerInline(admin.TabularInline):
    model = Reseller
    extra = 0


class PartnerAdminForm(forms.ModelForm):
    """The admin's partner form (PartnerAdmin gives it its model and fields) with the reason a
    change of the commercial settings needs."""

    change_reason = forms.CharField(label=_("Reason for a change of the commercial settings"), required=False,
                                    max_length=200)

    def clean(self):
        data = super().clean()
        commercial = [name for name in services.COMMERCIAL_FIELDS if name in self.changed_data]
        if self.instance.pk and commercial and not data.get("change_reason", "").strip():
            self.add_error("change_reason", _("Say why the commercial settings change."))
        if self.instance.pk and "credit_limit" in commercial and data.get("credit_limit") is not None:
            in_use = services.partner_credit_in_use_locked(self.instance)
            try:
                services.credit_limit_check(partner=self.instance, credit_limit=data["credit_limit"], in_use=in_use)
            except PortalError as error:
                self.add_error("credit_limit", str(error.message))
        return data


@admin.register(Partner)
class PartnerAdmin(UnscopedAdmin):
    form = PartnerAdminForm
    list_display = ["name", "account_number", "currency", "language", "credit_limit", "vouchers_enabled"]
    list_filter = ["currency", "language", "vouchers_enabled"]
    search_fields = ["name", "account_number"]
    inlines = [ResellerInline]

    def save_model(self, request, obj, form, change):
        """Commercial settings go through the audited service (with the reason and the B-7 credit
        check); anything else is saved and audited as any admin change."""
        if not change:
            return super().save_model(request, obj, form, change)
        commercial = {name: form.cleaned_data[name] for name in services.COMMERCIAL_FIELDS
                      if name in form.changed_data}
        others = [name for name in form.changed_data if name not in services.COMMERCIAL_FIELDS
                  and name != "change_reason"]
        if others:
            before, after = form_changes(form, created=False)
            obj.save(update_fields=others)
            before = {name: value for name, value in before.items() if name in others}
            after = {name: value for name, value in after.items() if name in others}
            audit_record(action="admin.changed", obj=obj, actor=request.user, partner=obj, before=before,
                         after=after)
        if commercial:
            services.partner_contract_update(actor=request.user, partner=obj, values=commercial,
                                             reason=form.cleaned_data["change_reason"])


@admin.register(Membership)
class MembershipAdmin(UnscopedAdmin):
    list_display = ["user", "partner", "role", "reseller"]
    list_filter = ["role", "partner"]
    search_fields = ["user__email"]
    list_select_related = ["user", "partner", "reseller"]


@admin.register(BillingContact)
class BillingContactAdmin(UnscopedAdmin):
    list_display = ["partner", "organisation", "contact_name"]
    search_fields = ["organisation", "contact_name", "partner__name"]


@admin.register(DelegationConsent)
class DelegationConsentAdmin(UnscopedAdmin):
    """The consent history (T-4) is the partner's to write; the admin only shows it."""

    list_display = ["partner", "granted_by", "granted_at", "revoked_at"]
    list_filter = ["partner"]


@admin.register(PartnerInvitation)
class PartnerInvitationAdmin(UnscopedAdmin):
    """Invitations are sent from the operator console; the admin shows them."""

    list_display = ["partner", "email", "invited_by", "created_at", "accepted_at"]
    list_filter = ["partner"]
    search_fields = ["email"]
