from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.errors import PortalError
from portal.tenancy.context import Tenant
from portal.tenancy.models import Membership
from portal.tenancy.roles import ROLE_PERMISSIONS, Role

from .models import ApiKey, IdempotencyRecord

KEY_PREFIX = "pp"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, tenant: Tenant, name: str, role: str) -> tuple[ApiKey, str]:
    """Create a key; returns it with the only copy of the full key string (shown once)."""
    if role in (Role.OPERATOR, Role.RESELLER_USER):
        raise PortalError("invalid_role", _("Choose a partner role for the key."), field="role")
    if not all(tenant.can(perm) for perm in ROLE_PERMISSIONS[role]):
        # A key never grants more than the person (or key) creating it may do.
        raise PortalError("role_above_yours", _("A key cannot have a role that allows more than yours."),
                          field="role", status=403)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(partner=tenant.partner, name=name.strip(), prefix=prefix,
                                hashed_secret=_hash(secret), role=role, created_by=tenant.user)
    audit_record(action="api_key.created", obj=key, tenant=tenant, after={"name": key.name, "role": role})
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, tenant: Tenant, key: ApiKey) -> ApiKey:
    updated = ApiKey.objects.for_tenant(tenant).filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        key.refresh_from_db()
        audit_record(action="api_key.revoked", obj=key, tenant=tenant, before={"active": True},
                     after={"active": False})
    return key


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The active key whose secret matches and whose creator is still an active user of its
    partner, or None (constant-time comparison). The creator's membership is attached as
    `key.owner_membership` for `api_key_tenant`."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.unscoped.filter(prefix=parts[1], revoked_at__isnull=True).select_related(
        "partner", "created_by").first()
    if key is None or not hmac.compare_digest(key.hashed_secret, _hash(parts[2])):
        return None
    membership = api_key_owner_membership(key)
    if membership is None:
        return None
    key.owner_membership = membership
    ApiKey.unscoped.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def api_key_owner_membership(key: ApiKey) -> Membership | None:
    """The creator's membership of the key's partner while it lasts and the creator is active;
    a key stops working with it (T-3: a key never outlives its owner's access)."""
    if not key.created_by.is_active:
        return None
    return Membership.unscoped.filter(user_id=key.created_by_id, partner_id=key.partner_id).select_related(
        "reseller").first()


def api_key_tenant(key: ApiKey) -> Tenant:
    """The tenant an authenticated key acts as: its own role, capped by its creator's current role
    (a demoted creator's key is demoted with them) and limited to the creator's reseller if the
    creator became a reseller user."""
    membership = key.owner_membership
    return Tenant(partner=key.partner, role=key.role, user=key.created_by, api_key=key, cap_role=membership.role,
                  reseller=membership.reseller)


def idempotency_records_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Idempotency keys are promised for a day (clients retry within minutes); older records go."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
