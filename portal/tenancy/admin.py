from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.admin_base import UnscopedAdmin

from . import services
from .models import BillingContact, DelegationConsent, Membership, Partner, Reseller, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_operator", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "language"]}),
        ("Access", {"fields": ["is_active", "is_operator", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ResellerInline(admin.TabularInline):
    model = Reseller
    extra = 0

    def get_queryset(self, request):
        return Reseller.unscoped.all()


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "account_number", "currency", "language", "credit_limit", "vouchers_enabled"]
    search_fields = ["name", "account_number"]
    inlines = [ResellerInline]

    def save_model(self, request, obj, form, change):
        """Contract terms and the credit limit go through the audited service."""
        if not change:
            return super().save_model(request, obj, form, change)
        contract = {name: form.cleaned_data[name] for name in services.CONTRACT_FIELDS if name in form.changed_data}
        others = [name for name in form.changed_data if name not in services.CONTRACT_FIELDS]
        if others:
            obj.save(update_fields=others)
        if contract:
            services.partner_contract_update(actor=request.user, partner=obj, values=contract)


@admin.register(Membership)
class MembershipAdmin(UnscopedAdmin):
    list_display = ["user", "partner", "role", "reseller"]
    list_filter = ["role", "partner"]
    search_fields = ["user__email"]


@admin.register(BillingContact)
class BillingContactAdmin(UnscopedAdmin):
    list_display = ["partner", "organisation", "contact_name"]


@admin.register(DelegationConsent)
class DelegationConsentAdmin(UnscopedAdmin):
    list_display = ["partner", "granted_by", "granted_at", "revoked_at"]

    def has_add_permission(self, request):
        return False  # consent is the partner's to give

    def has_change_permission(self, request, obj=None):
        return False
