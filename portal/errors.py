"""One domain error type with stable codes, mapped once to HTML and once to the API format."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    """A refused action. `code` is stable (API clients rely on it); `message` is for people.

    status: 400 bad input, 403 forbidden, 404 not found, 409 conflicting state.
    """

    status = 400

    def __init__(self, code: str, message, *, field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class NotFound(PortalError):
    status = 404

    def __init__(self, message=None, *, code: str = "not_found"):
        super().__init__(code, message or _("Not found."))


class Forbidden(PortalError):
    status = 403

    def __init__(self, message=None, *, code: str = "forbidden"):
        super().__init__(code, message or _("You do not have permission to do this."))


class Conflict(PortalError):
    status = 409


def add_to_form(form, error: PortalError) -> None:
    """Show a service's refusal on the form field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def form_service(form, call) -> bool:
    """Run `call()` (a service) for a valid form; a refusal lands on the form. True if it ran."""
    try:
        call()
    except PortalError as error:
        add_to_form(form, error)
        return False
    return True


class PortalErrorMiddleware:
    """A PortalError that escapes an HTML view becomes a message on the previous page (or a
    403/404 page), never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PortalError):
            return None
        if exception.status in (403, 404):
            from django.core.exceptions import PermissionDenied
            from django.http import Http404
            from django.views import defaults

            if exception.status == 404:
                return defaults.page_not_found(request, Http404(str(exception.message)))
            return defaults.permission_denied(request, PermissionDenied(str(exception.message)))
        messages.error(request, exception.message)
        referer = request.headers.get("referer")
        if referer and referer.startswith(request.build_absolute_uri("/")):
            return redirect(referer)
        return redirect("dashboard")
