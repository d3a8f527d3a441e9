"""One-time form tokens: a money-moving HTML form acts once, however often it is sent (issue 10).

A double click, a reload of the result or a back-and-resubmit sends the same form twice; each
send carries the token the page was rendered with, and the second one is answered with the
first one's result instead of ordering or paying again. It is the API's Idempotency-Key
mechanism (portal.api.idempotency.claim_key): the token is claimed in the same transaction as the
work, so two sends at once are serialised on the claim and the later one sees the first's result.

In the template, inside the `<form method="post">`:

    {% load portal %}{% once_token %}

In the view, around the part of `post` that acts:

    def post(self, request):
        return form_once(request, lambda: self._submit(request))

    def _submit(self, request) -> tuple[bool, HttpResponse]:
        ...validate, call the service...
        return True, redirect("voucher_order", pk=order.pk)       # acted: the result to show again
        return False, self._render(request, form)                 # refused: nothing happened

An action that acted answers with a redirect (post/redirect/get), whose address is what a repeated
send is sent to; an action that did not act leaves the token unused (fix the form, send again).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.api.idempotency import Done, claim_key
from portal.errors import PortalError

FIELD = "once_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_input() -> str:
    """The hidden field a money-moving form carries (the `{% once_token %}` tag)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


def form_once(request: HttpRequest, act: Callable[[], tuple[bool, HttpResponse]]) -> HttpResponse:
    """Run `act` once per form token (see the module's docstring)."""
    token = request.POST.get(FIELD, "")
    if not _TOKEN.match(token):
        return render(request, "400.html", {"message": _(
            "This form was sent without its one-time token: go back, reload the page and send it again.")},
            status=400)
    with transaction.atomic():
        try:
            record = claim_key(scope=f"form:user:{request.user.pk}", key=token, request_hash=request.path)
        except Done as done:
            messages.info(request, _("This form was already sent; here is what it did."))
            return redirect(done.record.response_body["location"])
        except PortalError as error:  # still running (a double click's twin), or another form's token
            messages.error(request, error.message)
            return redirect(request.path)
        acted, response = act()
        if not acted:
            transaction.set_rollback(True)  # nothing done: the token stays unused
            return response
        record.status_code = response.status_code
        record.response_body = {"location": response["Location"]}
        record.save(update_fields=["status_code", "response_body"])
    return response
