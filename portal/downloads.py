"""File download responses built in memory (a rendered PDF). Streamed CSV exports are
portal.csvexport's; stored files are served with FileResponse where they are kept."""

from django.http import HttpResponse


def pdf_response(content: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    """`content` as a PDF download named `filename` (ASCII, no quotes), or shown in the browser
    with `inline=True`."""
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
