from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "scope", "finished_at"]
    list_filter = ["job"]

    def has_change_permission(self, request, obj=None):
        return False
