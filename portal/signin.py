"""Sign-in lockouts per account (django-axes; settings AXES_*): the names and the page.

The lockout page says the same for every address, whether an account has it or not, and names no
account: a locked sign-in tells an attacker nothing they did not type themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def signin_username(request, credentials=None) -> str:
    """The address a sign-in is for, as accounts store it (trimmed, lower case), so `A@x` and `a@x `
    share one counter."""
    data = credentials or getattr(request, "data", None) or request.POST
    return str(data.get("username") or data.get("email") or "").strip().lower()[:254]


def client_ip(request) -> str | None:
    """As portal.ratelimit: REMOTE_ADDR only (a forwarded header is whatever the client says)."""
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request, original_response=None, credentials=None):
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(request, "registration/locked.html", {"minutes": minutes}, status=429)
