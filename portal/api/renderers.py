"""File downloads (CSV, PDF) in the API: the renderers that let a client ask for the file's type,
and the schema pieces that describe such an endpoint.

    @extend_schema(parameters=[NO_FORMAT], responses=PDF_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=PDF_RENDERERS)
    def pdf(self, request, pk=None): ...
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import renderers


class FileRenderer(renderers.JSONRenderer):
    """Lets a client that asks for the file's type (`Accept: text/csv`, `Accept: application/pdf`)
    reach the download instead of a 406. The file itself is a plain Django response that DRF does
    not render; only errors come through here, and they stay JSON (`Content-Type: application/json`)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


class CsvRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class PdfRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


# JSON first: the default, and what errors are written in.
CSV_RENDERERS = (renderers.JSONRenderer, CsvRenderer)
PDF_RENDERERS = (renderers.JSONRenderer, PdfRenderer)

NO_FORMAT = OpenApiParameter("format", exclude=True)  # the file is the only representation
CSV_RESPONSES = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 CSV with BOM, streamed.")}
PDF_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY}
