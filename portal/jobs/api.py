from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.reverse import reverse

from portal.api.base import TenantReadOnlyViewSet

from .models import TaskProgress
from .progress import progress_fail_if_stale, progress_visible
from .views import progress_file_response


class TaskProgressSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TaskProgress
        fields = ["id", "kind", "subject_id", "status", "done", "total", "percent", "error", "created_at",
                  "finished_at", "download_url"]

    def get_download_url(self, obj) -> str | None:
        if obj.status != "done":
            return None
        return reverse("task-download", args=[obj.pk], request=self.context.get("request"))


class TaskProgressViewSet(TenantReadOnlyViewSet):
    """Status of long work (U-3): poll until `status` is `done`, then GET `download_url`. Only
    kinds the caller's role may see are listed (a whole-order PDF needs the codes permission)."""

    model = TaskProgress
    serializer_class = TaskProgressSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TaskProgress.unscoped.none()
        return progress_visible(tenant=self.request.tenant)

    def get_object(self):
        progress = super().get_object()
        progress_fail_if_stale(progress)  # a job whose worker died answers "failed", not "running"
        return progress

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return progress_file_response(self.get_object())
