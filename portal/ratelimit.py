"""Fixed-window rate limits per client for public endpoints (login, password reset, redemption).

Counts live in the cache (Redis when REDIS_URL is set, so every web process shares them).
"""

from __future__ import annotations

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import render


def client_key(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope: str, client: str) -> bool:
    """Count one request; True while the client is within its limit."""
    if not settings.PORTAL_RATE_LIMIT_ENABLED:
        return True
    limit, window = settings.PORTAL_RATE_LIMITS[scope]
    bucket = int(time.time() // window)
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]
    key = f"rl:{scope}:{digest}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def rate_limited(scope: str, methods: tuple[str, ...] = ("POST",)):
    """View decorator: over the limit answers 429 with a page saying to wait."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and not hit(scope, client_key(request)):
                response = render(request, "429.html", status=429)
                response["Retry-After"] = str(settings.PORTAL_RATE_LIMITS[scope][1])
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def partner_limit(scope: str, partner_id: int) -> None:
    """Count one unit of work a partner asked for; over the limit refuses with a 429 that says so."""
    from django.utils.translation import gettext_lazy as _

    from portal.errors import PortalError

    if not hit(scope, f"partner:{partner_id}"):
        minutes = settings.PORTAL_RATE_LIMITS[scope][1] // 60
        raise PortalError("rate_limited", _("Your account asked for this too often; try again within %(minutes)d "
                                            "minutes.") % {"minutes": minutes}, status=429)
