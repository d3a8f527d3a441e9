from django.contrib import admin

from portal.admin_base import UnscopedAdmin
from portal.audit.services import audit_record

from .models import LicenceProduct, PriceEntry, PriceTable, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "min_years", "max_years", "takes_fqdns", "takes_wildcards", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(LicenceProduct)
class LicenceProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "offer_type", "market_segment", "not_available_through_pa"]
    list_filter = ["offer_type", "market_segment", "not_available_through_pa"]


class PriceEntryInline(admin.TabularInline):
    model = PriceEntry
    extra = 0
    fields = ["product", "years", "component", "label", "list_price", "discount_rate", "offered_price", "position"]

    def get_queryset(self, request):
        return PriceEntry.unscoped.select_related("product")


@admin.register(PriceTable)
class PriceTableAdmin(UnscopedAdmin):
    list_display = ["partner", "currency", "valid_from", "valid_until"]
    inlines = [PriceEntryInline]

    def save_formset(self, request, form, formset, change):
        """Every price row saved here is audited with its before and after (T-5)."""
        originals = {e.pk: (e.list_price, e.discount_rate, e.offered_price)
                     for e in formset.queryset if e.pk}
        entries = formset.save(commit=False)
        for entry in entries:
            entry.partner = form.instance.partner
            before = originals.get(entry.pk)
            entry.save()
            audit_record(action="price.updated" if before else "price.created", obj=entry, actor=request.user,
                         partner=entry.partner,
                         before=dict(zip(["list_price", "discount_rate", "offered_price"], before, strict=True))
                         if before else {},
                         after={"list_price": entry.list_price, "discount_rate": entry.discount_rate,
                                "offered_price": entry.offered_price})
        for entry in formset.deleted_objects:
            audit_record(action="price.deleted", obj=entry, actor=request.user, partner=entry.partner)
            entry.delete()
