"""`Idempotency-Key` for mutating endpoints (SPEC A).

The first request with a key claims it (a unique row, inserted before the work); its response
is stored and replayed for any later request with the same key and the same body. A concurrent
duplicate sees the claim and gets 409 rather than acting twice; the same key with another body
is refused with 409 `idempotency_key_reused` (the API answers only 400/401/403/404/409, SPEC A).
The claim, the work and the stored response share one transaction: a concurrent
duplicate waits on the claim's unique index and then replays the committed response, and a
request that ends in a server error leaves no claim behind, so it can be retried.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from portal.errors import Conflict, PortalError

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


class Replay(Exception):
    def __init__(self, response: Response):
        self.response = response


def _scope(request) -> str:
    tenant = getattr(request, "tenant", None)
    if tenant is not None and tenant.api_key is not None:
        return f"key:{tenant.api_key.pk}"
    return f"user:{request.user.pk}"


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.get_full_path().encode())
    digest.update(request.body)
    return digest.hexdigest()


def claim(request) -> IdempotencyRecord | None:
    """Claim the request's key, or raise Replay / a conflict. None when no key was sent."""
    key = request.headers.get(HEADER, "").strip()
    if request.method not in MUTATING or not key:
        return None
    if len(key) > 255:
        raise PortalError("invalid_idempotency_key", _("Idempotency-Key is longer than 255 characters."),
                          field=HEADER)
    try:
        return claim_key(scope=_scope(request), key=key, request_hash=_request_hash(request))
    except Done as done:
        record = done.record
        raise Replay(Response(record.response_body, status=record.status_code,
                              headers={"Idempotent-Replay": "true"})) from None


class Done(Exception):
    """The key's first request has finished: `record` holds its response."""

    def __init__(self, record: IdempotencyRecord):
        self.record = record


def claim_key(*, scope: str, key: str, request_hash: str) -> IdempotencyRecord:
    """The one mechanism behind the API's Idempotency-Key and the pages' one-time form tokens
    (portal.onetime): claim `key` for `scope` in the current transaction (a unique row), so the
    work that follows happens once. Raises Done when an earlier request with the key finished, a
    conflict while it still runs, and a refusal for the same key with another request."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(scope=scope, key=key, request_hash=request_hash)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(scope=scope, key=key)
    if record.request_hash != request_hash:
        raise PortalError("idempotency_key_reused", _("This Idempotency-Key was used with another request."),
                          field=HEADER, status=409)
    if record.status_code is None:  # only visible if the claim was committed without its response
        raise Conflict("idempotency_in_progress", _("A request with this Idempotency-Key is still running."),
                       field=HEADER)
    raise Done(record)


def settle(record: IdempotencyRecord, response: Response) -> None:
    """Store the response in the request's transaction; a server error rolls everything back."""
    if response.status_code >= 500:
        transaction.set_rollback(True)
        return
    record.status_code = response.status_code
    record.response_body = response.data
    record.save(update_fields=["status_code", "response_body"])
