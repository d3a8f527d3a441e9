"""Codes after the order: reissue (V-11) and the daily expiry job (V-4)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.dates import local_today
from portal.errors import Forbidden, PortalError
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner
from portal.tenancy.roles import Perm
from portal.transitions import transition_apply, transition_apply_many

from ..codes import new_code
from ..models import CODE_MOVES, CodeStatus, VoucherCode


def voucher_code_reissue(*, tenant: Tenant, code: VoucherCode) -> VoucherCode:
    """V-11: the original is invalidated at once (Replaced, hidden from lists) and a new code with
    the same expiry date takes its place; the audit log records both Code IDs."""
    if not tenant.can(Perm.VOUCHERS_MANAGE):
        raise Forbidden()
    with transaction.atomic():
        original = VoucherCode.objects.for_tenant(tenant).select_for_update().get(pk=code.pk)
        if original.status != CodeStatus.ACTIVE:
            raise PortalError("code_not_active", _("Only an Active code can be reissued."), status=409)
        if original.expires_on < local_today(tenant.partner.time_zone):  # the nightly job may not have run
            raise PortalError("code_expired", _("This code has expired and cannot be reissued."), status=409)
        transition_apply(obj=original, to=CodeStatus.REPLACED, moves=CODE_MOVES, action="voucher_code.replaced",
                         tenant=tenant)
        replacement = VoucherCode.objects.create(partner=original.partner, order_id=original.order_id,
                                                 line_id=original.line_id, value=new_code(),
                                                 expires_on=original.expires_on, replaces=original)
        audit_record(action="voucher_code.reissued", obj=replacement, tenant=tenant,
                     before={"code_id": original.pk, "status": CodeStatus.ACTIVE},
                     after={"code_id": replacement.pk, "replaced_code_id": original.pk,
                            "expires_on": replacement.expires_on})
    return replacement


def voucher_expire_due(*, partner: Partner, today: date) -> int:
    """V-4: unused codes whose last usable day is before `today` (the partner's date) become
    Expired. One UPDATE; safe to run twice or late (only Active codes past expiry change)."""
    return transition_apply_many(
        queryset=VoucherCode.objects.for_partner(partner).filter(expires_on__lt=today), to=CodeStatus.EXPIRED,
        moves=CODE_MOVES, action="voucher_codes.expired", partner=partner, audit_after={"today": today.isoformat()})
