from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import DetailView

from portal.tenancy.mixins import TenantObjectMixin

from .models import ProgressStatus, TaskProgress


class TaskProgressView(TenantObjectMixin, DetailView):
    """U-3: the status page of long work; refreshes itself until done (no JavaScript needed)."""

    model = TaskProgress
    template_name = "jobs/progress.html"
    context_object_name = "progress"


class TaskProgressDownloadView(TenantObjectMixin, View):
    model = TaskProgress

    def get(self, request, pk: int):
        progress = get_object_or_404(self.get_queryset(), pk=pk)
        if progress.status != ProgressStatus.DONE or not progress.file:
            raise Http404
        return FileResponse(progress.file.open("rb"), as_attachment=True, filename=progress.filename)
