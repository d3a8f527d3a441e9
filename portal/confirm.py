"""One confirmation step for every irreversible action (U-1): the action's URL answers GET with a
page saying what will happen (refund, codes affected …) and a form that POSTs to the same URL.
It works without JavaScript; static/js/portal.js opens the same page's box in a dialog.

    class VoucherOrderCancelView(ConfirmView):
        def confirmation(self, request, obj) -> Confirmation: ...
        def act(self, request, obj) -> HttpResponse: ...
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@dataclass
class Confirmation:
    """What a confirmation page says. `refusal` (the reason the action is not possible now)
    replaces the button, so a page never offers an action that would be refused."""

    title: str
    consequences: list[str]
    button: str
    back_url: str
    refusal: str | None = None
    irreversible: bool = True
    hidden: dict[str, str] = field(default_factory=dict)
    # Money moves: the form carries a one-time token (portal.onetime) and the view's act() runs
    # through form_once, so a double click or a resubmit acts once.
    once: bool = False


def confirm_page(request: HttpRequest, confirmation: Confirmation, *, status: int = 200) -> HttpResponse:
    return render(request, "confirm.html", {"confirmation": confirmation, "action_url": request.path},
                  status=status)


class ConfirmMixin:
    """GET: the confirmation page for `get_object()`; POST: `act()`. Subclasses are tenant views
    (TenantObjectMixin) whose `get_object` scopes by the tenant."""

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return confirm_page(request, self.confirmation(request, obj))

    def post(self, request, *args, **kwargs):
        return self.act(request, self.get_object())

    def get_object(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def confirmation(self, request, obj) -> Confirmation:  # pragma: no cover
        raise NotImplementedError

    def act(self, request, obj) -> HttpResponse:  # pragma: no cover
        raise NotImplementedError
