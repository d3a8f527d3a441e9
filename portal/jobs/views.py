from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import DetailView

from portal.downloads import no_store
from portal.tenancy.mixins import TenantObjectMixin

from .models import ProgressStatus, TaskProgress
from .progress import progress_fail_if_stale, progress_retry_url, progress_subject_url, progress_visible


class _VisibleProgress(TenantObjectMixin):
    model = TaskProgress

    def get_queryset(self):
        return progress_visible(tenant=self.request.tenant)


class TaskProgressView(_VisibleProgress, DetailView):
    """U-3: the status page of long work; refreshes itself until done (no JavaScript needed)."""

    template_name = "jobs/progress.html"
    context_object_name = "progress"

    def get_object(self, queryset=None):
        progress = super().get_object(queryset)
        progress_fail_if_stale(progress)  # a job whose worker died is shown as failed, with *Try again*
        return progress

    def get_context_data(self, **kwargs):
        return super().get_context_data(retry_url=progress_retry_url(self.object),
                                        subject_url=progress_subject_url(self.object), **kwargs)


@no_store
class TaskProgressDownloadView(_VisibleProgress, View):
    def get(self, request, pk: int):
        progress = get_object_or_404(self.get_queryset(), pk=pk)
        return progress_file_response(progress)


def progress_file_response(progress: TaskProgress) -> FileResponse:
    if progress.status != ProgressStatus.DONE or not progress.file:
        raise Http404
    return FileResponse(progress.file.open("rb"), as_attachment=True, filename=progress.filename)
