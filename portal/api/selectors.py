"""API-key reads."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from portal.tenancy.context import Tenant
from portal.tenancy.models import Membership

from .models import ApiKey


def api_keys_with_owner(*, tenant: Tenant):
    """The tenant's keys, each with `owner_active`: False once its creator left the partner or was
    deactivated (the key then no longer works, and the list says why)."""
    member = Exists(Membership.unscoped.filter(user_id=OuterRef("created_by_id"), partner_id=OuterRef("partner_id")))
    return ApiKey.objects.for_tenant(tenant).select_related("created_by").annotate(
        owner_active=ExpressionWrapper(member & Q(created_by__is_active=True), output_field=BooleanField()))
