from django.contrib import admin

from portal.admin_base import UnscopedAdmin

from .models import LicencePrice, LicenceProduct, PriceEntry, PriceTable, Product


@admin.register(Product)
class ProductAdmin(UnscopedAdmin):
    list_display = ["code", "name", "kind", "min_years", "max_years", "takes_fqdns", "takes_wildcards", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(LicenceProduct)
class LicenceProductAdmin(UnscopedAdmin):
    list_display = ["sku", "name", "offer_type", "market_segment", "not_available_through_pa"]
    list_filter = ["offer_type", "market_segment", "not_available_through_pa"]
    search_fields = ["sku", "name"]


class PriceEntryInline(admin.TabularInline):
    model = PriceEntry
    extra = 0
    fields = ["product", "years", "component", "label", "list_price", "discount_rate", "offered_price", "position"]


class LicencePriceInline(admin.TabularInline):
    model = LicencePrice
    extra = 0
    fields = ["product", "list_price", "discount_rate", "offered_price", "position"]


@admin.register(PriceTable)
class PriceTableAdmin(UnscopedAdmin):
    """Every price row saved or deleted here is audited with its before and after (admin_base).
    The operator console (/operator/) is the everyday way in, with CSV import and export."""

    list_display = ["partner", "currency", "valid_from", "valid_until"]
    list_filter = ["partner", "currency"]
    search_fields = ["partner__name"]
    list_select_related = ["partner"]
    inlines = [PriceEntryInline, LicencePriceInline]
