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

from ..codes import new_code
from ..models import CodeStatus, VoucherCode


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
        original.status = CodeStatus.REPLACED
        original.save(update_fields=["status"])
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
    expired = VoucherCode.objects.for_partner(partner).filter(status=CodeStatus.ACTIVE, expires_on__lt=today)
    count = expired.update(status=CodeStatus.EXPIRED)
    if count:
        audit_record(action="voucher_codes.expired", obj=partner, partner=partner,
                     after={"count": count, "today": today.isoformat()})
    return count
