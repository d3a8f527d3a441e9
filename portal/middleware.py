"""Request-wide guards: input no view should see, and idle sessions.

NUL characters (U-4), which PostgreSQL cannot store or compare:

DRF and Django forms refuse NUL in the fields they validate, but views read query parameters
directly (a search box, a page number, a filter), and a NUL reaching a query is a server error.
This refuses it once, for every page, with a 400 naming the parameter; nothing is changed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _nul_field(request: HttpRequest) -> str | None:
    if "\x00" in request.path:
        return "path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    # Only url-encoded bodies: reading a multipart body here would consume the stream the view reads.
    if request.method == "POST" and request.content_type == FORM_CONTENT_TYPE:
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _nul_field(request)
        if field is None:
            return self.get_response(request)
        message = _("%(field)s: null characters are not allowed.") % {"field": field}
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": field, "code": "null_characters_not_allowed",
                                             "message": message}]}, status=400)
        return render(request, "400.html", {"message": message}, status=400)


class IdleTimeoutMiddleware:
    """Signs a person out after a while without a request: operator staff sooner than partner
    users (settings PORTAL_OPERATOR_IDLE_SECONDS, PORTAL_SESSION_IDLE_SECONDS). The last-seen time
    is written at most once a minute, so a busy session costs no write per request."""

    SEEN = "portal_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.conf import settings
            from django.contrib.auth import logout

            limit = settings.PORTAL_OPERATOR_IDLE_SECONDS if user.is_operator else settings.PORTAL_SESSION_IDLE_SECONDS
            now = int(timezone.now().timestamp())
            seen = request.session.get(self.SEEN)
            if isinstance(seen, int) and now - seen > limit:
                logout(request)
                request.session["signed_out_idle"] = True  # the sign-in page says why
            elif not isinstance(seen, int) or now - seen >= 60:
                request.session[self.SEEN] = now
                request.session.set_expiry(limit)  # the cookie and the stored session end with it
        return self.get_response(request)


def idle_clock_start(sender, request, user, **kwargs) -> None:
    """On sign-in (user_logged_in): the idle clock starts with the session, so the first pages
    after it write nothing more to the session."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleTimeoutMiddleware.SEEN] = int(timezone.now().timestamp())
