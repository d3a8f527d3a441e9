"""Renewals in the operator's admin: the pool ledger, read-only like every append-only model
(portal/admin_base.py). Pools move through the renewals services only."""

from django.contrib import admin

from portal.admin_base import UnscopedAdmin

from .models import PoolEntry


@admin.register(PoolEntry)
class PoolEntryAdmin(UnscopedAdmin):
    list_display = ["created_at", "partner", "reseller", "product", "kind", "quantity", "balance_after", "reference"]
    list_filter = ["kind", "partner"]
    search_fields = ["reference", "reason", "partner__name"]
    list_select_related = ["partner", "reseller", "product"]
