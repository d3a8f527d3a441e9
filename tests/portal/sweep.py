"""The cross-tenant sweep: every URL that takes an object id, requested by another partner's user.

A route is covered automatically when its view declares the model it serves (`model = …`, as
every tenant view and API view does); the sweep creates an object of that model for the victim
partner (tests.factories.for_partner), fills the route's id arguments with its pk, and expects
403/404/405 for each method, with the object unchanged. A route it cannot cover fails the sweep
unless it is in EXEMPT with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import for_partner

EXEMPT = {
    "password_reset_confirm": "uid and token are a signed one-time link, not an object id",
    "admin:": "operator staff only: a partner user is sent to the admin sign-in (test_admin_refuses_partner_users)",
    "api-docs": "no object ids",
    "redeem": "public by design: the code in the URL is the secret (V-8); rate-limited, tests/vouchers/test_views.py",
    "redeem_renewal": "public by design, as redeem",
    "customer_invitation": "a signed, expiring token, not an object id (C-2); tests/customers/test_views.py",
    "partner_invitation": "a signed, expiring token, not an object id (T-8); tests/portal/test_onboarding.py",
}
ALLOWED = {403, 404, 405}
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Route:
    name: str
    pattern: str
    callback: object
    kwargs: list[str]


def _walk(patterns, prefix="", namespace="") -> list[Route]:
    routes = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            kwargs = list(entry.pattern.regex.groupindex)
            if kwargs:
                routes.append(Route(f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback, kwargs))
    return routes


def id_routes(urlconf=None) -> list[Route]:
    return _walk(get_resolver(urlconf).url_patterns)


def view_model(callback):
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return getattr(view, "model", None)


def exemption(route: Route) -> str | None:
    for prefix, reason in EXEMPT.items():
        if route.name == prefix or (prefix.endswith(":") and route.name.startswith(prefix)):
            return reason
    return None


def sweep(client, victim_partner, urlconf=None, prefix: str = "/") -> list[str]:
    """Request every id route under `prefix` as `client` against objects of `victim_partner`;
    return the failures."""
    from django.urls import reverse

    failures = []
    for route in id_routes(urlconf):
        if exemption(route):
            continue
        model = view_model(route.callback)
        if model is None:
            failures.append(f"{route.name} ({route.pattern}): view declares no model; declare it or exempt it")
            continue
        obj = for_partner(model, victim_partner)
        url = reverse(route.name, kwargs={name: obj.pk for name in route.kwargs}, urlconf=urlconf)
        if not url.startswith(prefix):
            continue
        before = model_to_dict(obj)
        for method in METHODS:
            response = getattr(client, method)(url, content_type="application/json") if method != "get" \
                else client.get(url)
            if response.status_code not in ALLOWED:
                failures.append(f"{method.upper()} {url} [{route.name}] answered {response.status_code}")
            if before != model_to_dict(model._base_manager.get(pk=obj.pk)):
                failures.append(f"{method.upper()} {url} [{route.name}] changed the object")
    return failures
