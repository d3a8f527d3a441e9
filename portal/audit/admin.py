from django.contrib import admin

from portal.admin_base import UnscopedAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(UnscopedAdmin):
    list_display = ["created_at", "partner", "actor", "delegated", "action", "object_repr"]
    list_filter = ["action", "delegated"]
    search_fields = ["object_repr", "actor__email"]
    ordering = ["-id"]  # the primary key's index: newest first without sorting every partner's entries

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
