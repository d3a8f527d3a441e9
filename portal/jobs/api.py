from rest_framework import serializers

from portal.api.base import TenantReadOnlyViewSet

from .models import TaskProgress


class TaskProgressSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TaskProgress
        fields = ["id", "kind", "subject_id", "status", "done", "total", "percent", "error", "created_at",
                  "finished_at", "download_url"]

    def get_download_url(self, obj) -> str | None:
        return f"/tasks/{obj.pk}/download/" if obj.status == "done" else None


class TaskProgressViewSet(TenantReadOnlyViewSet):
    """Status of long work (U-3): poll until `status` is `done`, then fetch `download_url`."""

    model = TaskProgress
    serializer_class = TaskProgressSerializer
