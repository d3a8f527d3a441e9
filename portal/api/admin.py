from django.contrib import admin

from portal.admin_base import UnscopedAdmin

from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(UnscopedAdmin):
    list_display = ["partner", "name", "prefix", "role", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "hashed_secret"]

    def has_add_permission(self, request):
        return False
