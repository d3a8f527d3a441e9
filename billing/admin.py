"""Billing in the operator's admin: history only (read-only through portal.admin_base). Payments
are recorded on the operator's invoice pages, credit notes by the credit service."""

from django.contrib import admin

from portal.admin_base import UnscopedAdmin

from .models import Invoice, LedgerEntry, LedgerItem, Payment


@admin.register(Invoice)
class InvoiceAdmin(UnscopedAdmin):
    list_display = ["number", "partner", "kind", "period_start", "issue_date", "due_date", "total", "currency",
                    "status"]
    list_filter = ["kind", "status", "partner"]
    search_fields = ["number", "partner__name"]
    list_select_related = ["partner"]


class LedgerItemInline(admin.TabularInline):
    model = LedgerItem
    extra = 0
    fields = ["description", "quantity", "amount"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(UnscopedAdmin):
    list_display = ["created_at", "partner", "entry_type", "amount", "balance_after", "currency", "reference"]
    list_filter = ["entry_type", "partner"]
    search_fields = ["reference", "partner__name"]
    list_select_related = ["partner"]
    ordering = ["-id"]  # the primary key's index: newest first without sorting every partner's entries
    inlines = [LedgerItemInline]


@admin.register(Payment)
class PaymentAdmin(UnscopedAdmin):
    list_display = ["invoice", "partner", "amount", "received_on", "reference", "recorded_by"]
    list_filter = ["partner"]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice", "partner", "recorded_by"]
