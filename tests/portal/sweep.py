"""The cross-tenant sweep: every URL that takes an object id, requested by another partner's user.

A route is covered automatically when its view declares the model it serves (`model = …`, as
every tenant view and API view does); the sweep creates an object of that model for the victim
partner (tests.factories.for_partner), fills the route's id arguments with its pk, and expects
for each method exactly the answer (status and body) of the same URL with an id that does not
exist (T-2: a foreign id answers exactly as a missing one), which must be a refusal (404, or 405
for a method the route lacks, or 403 where the role may not do it to any object), with the object
unchanged. A route it cannot cover fails the sweep unless it is in EXEMPT with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Max
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
    "dev_mail": "local runs only (DEBUG), operator staff only, files not rows; tests/portal/test_mailbox.py",
    "dev_mail_attachment": "as dev_mail",
    "signup_confirm": "a signed, expiring token, not an object id; tests/portal/test_session_hygiene.py",
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
        missing_pk = (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1000
        missing_url = reverse(route.name, kwargs={name: missing_pk for name in route.kwargs}, urlconf=urlconf)
        before = model_to_dict(obj)
        for method in METHODS:
            response, missing = _request(client, method, url), _request(client, method, missing_url)
            if response.status_code not in ALLOWED:
                failures.append(f"{method.upper()} {url} [{route.name}] answered {response.status_code}")
            elif (response.status_code, body := _body(response, url)) != (
                    missing.status_code, missing_body := _body(missing, missing_url)):
                failures.append(f"{method.upper()} {url} [{route.name}] answered {response.status_code}, "
                                f"a missing id {missing.status_code}: a foreign id must answer exactly the same "
                                f"({_difference(body, missing_body)})")
            if before != model_to_dict(model._base_manager.get(pk=obj.pk)):
                failures.append(f"{method.upper()} {url} [{route.name}] changed the object")
    return failures


def _request(client, method: str, url: str):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, content_type="application/json")


def _difference(foreign: bytes, missing: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(foreign, missing, strict=False)) if a != b),
              min(len(foreign), len(missing)))
    return f"foreign …{foreign[max(at - 40, 0):at + 40]!r}… missing …{missing[max(at - 40, 0):at + 40]!r}…"


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _body(response, url: str) -> bytes:
    """The body, without what differs between any two requests: the page's own path (echoed in
    the language switcher) and the per-response CSRF token."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return _CSRF.sub(b"csrf", content).replace(url.encode(), b"<url>")


# --- write probes: forms and API bodies that name another object by id -------------------------
#
# A route without an id in its URL can still write across tenants when its body names an object
# ("reseller": 7). Each probe posts the victim partner's object id where the attacker's own would
# go and expects the write refused: a refusal status or the form shown again, and no row that
# points at the victim's object.

CUSTOMER_BODY = {"name": "Probe Co", "market_segment": "commercial", "offer_type": "team", "region": "Kanto",
                 "address": "1-1", "postal_code": "100-0001", "contact_name": "P", "contact_email": "p@probe.test"}


@dataclass
class WriteProbe:
    route: str
    model: type  # what the body names by id
    body: object  # callable(victim object) -> dict
    written: object  # callable(victim object) -> queryset of rows the write would have made
    json: bool = False


def write_probes() -> list[WriteProbe]:
    from customers.models import Customer
    from portal.tenancy.models import Membership, Reseller

    return [
        WriteProbe("customer_new", Reseller, lambda r: {**CUSTOMER_BODY, "reseller": r.pk},
                   lambda r: Customer.unscoped.filter(reseller=r)),
        WriteProbe("customer-list", Reseller, lambda r: {**CUSTOMER_BODY, "reseller": r.pk},
                   lambda r: Customer.unscoped.filter(reseller=r), json=True),
        WriteProbe("users", Reseller, lambda r: {"email": "probe@probe.test", "role": "reseller_user",
                                                 "reseller": r.pk},
                   lambda r: Membership.unscoped.filter(reseller=r)),
    ]


def write_sweep(client, victim_partner) -> list[str]:
    """Run every write probe as `client` against objects of `victim_partner`; return the failures."""
    import json

    from django.urls import reverse

    failures = []
    for probe in write_probes():
        obj = for_partner(probe.model, victim_partner)
        url = reverse(probe.route)
        body = probe.body(obj)
        if probe.json:
            response = client.post(url, json.dumps(body), content_type="application/json")
        else:
            response = client.post(url, body)
        if response.status_code not in (200, 400, 403, 404):
            failures.append(f"POST {url} [{probe.route}] answered {response.status_code}")
        if probe.written(obj).exists():
            failures.append(f"POST {url} [{probe.route}] wrote a row pointing at another partner's "
                            f"{probe.model.__name__}")
    return failures
