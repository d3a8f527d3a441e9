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


def no_store(view_class):
    """Class decorator for views that show voucher codes (redemption pages, code lists, CSVs and
    PDFs of codes): `Cache-Control: no-store` (with Django's never_cache), so no browser history,
    disk cache or proxy keeps a code."""
    from django.utils.decorators import method_decorator
    from django.views.decorators.cache import never_cache

    return method_decorator(never_cache, name="dispatch")(view_class)
