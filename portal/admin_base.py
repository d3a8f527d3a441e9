"""Operator setup screens (Django admin). Tenant models are listed through `unscoped`: the
admin is the operator's cross-partner view, and only operator staff (is_staff) reach it."""

from django.contrib import admin


class UnscopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        qs = self.model.unscoped.get_queryset()
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs
