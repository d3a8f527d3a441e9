"""The request's tenant, resolved once per request (middleware for the browser, the API-key
authentication for the API) and passed to every scoped query and service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .models import DelegationConsent, Membership, Partner, Reseller, User
from .roles import Perm, Role, role_has_perm

if TYPE_CHECKING:
    from portal.api.models import ApiKey

SESSION_PARTNER = "tenant_partner_id"
SESSION_DELEGATED_PARTNER = "tenant_delegated_partner_id"


@dataclass(frozen=True)
class Tenant:
    partner: Partner
    role: str
    user: User | None = None
    reseller: Reseller | None = None
    delegated: bool = False  # operator staff acting with the partner's consent (T-4)
    api_key: ApiKey | None = field(default=None, compare=False)
    # An API key acts with at most its creator's current role: the creator's membership role
    # caps what the key's own role grants (None: no cap, a person acting for themselves).
    cap_role: str | None = None

    def can(self, perm: Perm) -> bool:
        return role_has_perm(self.role, perm) and (self.cap_role is None or role_has_perm(self.cap_role, perm))

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def actor_detail(self) -> str:
        return f"api-key:{self.api_key.prefix}" if self.api_key else ""


def memberships_of(user: User):
    return (
        Membership.unscoped.filter(user=user)
        .select_related("partner", "reseller")
        .order_by("partner__name")
    )


def resolve_tenant(request) -> Tenant | None:
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_operator and (partner_id := request.session.get(SESSION_DELEGATED_PARTNER)):
        tenant = _delegated_tenant(user, partner_id)
        if tenant is None:  # consent revoked meanwhile: leave the partner at once
            request.session.pop(SESSION_DELEGATED_PARTNER, None)
        return tenant
    wanted = request.session.get(SESSION_PARTNER)
    memberships = list(memberships_of(user))
    request.memberships = memberships  # the partner switcher shows them: read once per request
    chosen = next((m for m in memberships if m.partner_id == wanted), None) or next(iter(memberships), None)
    if chosen is None:
        return None
    return Tenant(partner=chosen.partner, role=chosen.role, user=user, reseller=chosen.reseller)


def _delegated_tenant(user: User, partner_id: int) -> Tenant | None:
    consent = (
        DelegationConsent.unscoped.filter(partner_id=partner_id, revoked_at__isnull=True)
        .select_related("partner")
        .first()
    )
    if consent is None:
        return None
    return Tenant(partner=consent.partner, role=Role.OPERATOR, user=user, delegated=True)
