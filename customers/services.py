"""Customer and purchase-authorization writes (C-1…C-9). `grep -E "def (customer|pa)_"` lists them.

PA status changes go through the transition table `models.PA_MOVES` and portal.transitions (a
conditional UPDATE: the row changes only if it is still in an allowed state), so two clicks or two
clerks never both act.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from portal.audit.services import audit_record
from portal.catalogue.models import LicenceProduct
from portal.catalogue.services import licence_product_check_pa_allowed
from portal.dates import add_months, add_years, local_today
from portal.errors import Forbidden, PortalError
from portal.outbox import outbox_enqueue
from portal.tenancy.context import Tenant
from portal.tenancy.models import Membership, Partner, Reseller, User
from portal.tenancy.roles import Perm
from portal.transitions import transition_apply, transition_apply_many
from renewals.models import Subscription, SubscriptionStatus
from renewals.services import subscription_add_licences

from .models import (
    INVITATION_MOVES,
    PA_MOVES,
    Customer,
    InvitationStatus,
    LicenceAssignment,
    PALine,
    PAStatus,
    PurchaseAuthorization,
    pa_overdue_q,
)
from .selectors import customers_changed

MAX_PA_LINES = 20
INVITATION_MAX_AGE = timedelta(days=30)
_INVITATION_SALT = "customers.invitation"


@dataclass(frozen=True)
class CustomerInput:
    name: str
    market_segment: str
    offer_type: str
    region: str
    address: str
    postal_code: str
    contact_name: str
    contact_email: str
    anniversary: date | None = None


@dataclass(frozen=True)
class PALineInput:
    product_id: int
    licences: int


def _require(tenant: Tenant, perm: Perm) -> None:
    if not tenant.can(perm):
        raise Forbidden()


# --- customers -----------------------------------------------------------------------------------

def customer_add(*, tenant: Tenant, data: CustomerInput, reseller=None, account_manager: User | None = None
                 ) -> Customer:
    """C-1 and C-2: add the company and send the invitation; the VIP ID is issued at once. A custom
    anniversary gives a first term longer than 12 months (up to 36)."""
    _require(tenant, Perm.CUSTOMERS_MANAGE)
    today = local_today(tenant.partner.time_zone)
    anniversary = data.anniversary or add_years(today, 1)
    if data.anniversary and not add_years(today, 1) < data.anniversary <= add_years(today, 3):
        raise PortalError("anniversary_out_of_range", _("A custom anniversary date must be more than 12 months and "
                                                        "at most 36 months away."), field="anniversary")
    if tenant.reseller is not None:
        reseller = tenant.reseller  # a reseller user adds customers of its own reseller only
    elif reseller is not None and not Reseller.objects.for_tenant(tenant).filter(pk=reseller.pk).exists():
        # T-2: never trust an id from a form or a body; another partner's reseller is "no such reseller".
        raise PortalError("unknown_reseller", _("None of your resellers has this id."), field="reseller")
    if account_manager is not None and not Membership.objects.for_tenant(tenant).filter(
            user=account_manager).exists():
        raise PortalError("unknown_account_manager", _("The account manager must be a user of this account."),
                          field="account_manager")
    from .tasks import send_invitation_email

    with transaction.atomic():  # the customer, its audit entry and its invitation e-mail, or nothing
        customer = _customer_create(tenant, data, reseller=reseller, anniversary=anniversary,
                                    account_manager=account_manager or tenant.user)
        transaction.on_commit(lambda: customers_changed(customer.partner_id))
        audit_record(action="customer.added", obj=customer, tenant=tenant,
                     after={"vip_id": customer.vip_id, "anniversary": anniversary})
        outbox_enqueue(send_invitation_email, customer.pk)
    return customer


def _customer_create(tenant: Tenant, data: CustomerInput, *, reseller, anniversary: date,
                     account_manager: User) -> Customer:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return Customer.objects.create(
                    partner=tenant.partner, reseller=reseller, vip_id=_new_vip_id(), name=data.name.strip(),
                    market_segment=data.market_segment, offer_type=data.offer_type, region=data.region.strip(),
                    address=data.address.strip(), postal_code=data.postal_code.strip(),
                    contact_name=data.contact_name.strip(), contact_email=data.contact_email.strip().lower(),
                    anniversary=anniversary, custom_anniversary=data.anniversary is not None,
                    account_manager=account_manager)
        except IntegrityError:  # a VIP ID drawn twice: draw again
            continue
    raise PortalError("vip_id_exhausted", _("Please try again."), status=409)


def _new_vip_id() -> str:
    return f"VIP{secrets.randbelow(10**10):010d}"


def invitation_token(customer: Customer) -> str:
    return signing.TimestampSigner(salt=_INVITATION_SALT).sign(str(customer.pk))


def customer_for_invitation(token: str) -> Customer:
    """The customer a signed, unexpired invitation link names."""
    try:
        customer_id = signing.TimestampSigner(salt=_INVITATION_SALT).unsign(token, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise PortalError("invitation_expired", _("This invitation has expired. Ask your reseller to send a new one."),
                          status=410) from None
    except signing.BadSignature:
        raise PortalError("invitation_invalid", _("This invitation link is not valid."), status=404) from None
    return Customer.unscoped.select_related("partner").get(pk=int(customer_id))


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Customer:
    """C-2: the signed-in person becomes the customer's admin; status Sent → Accepted."""
    customer = customer_for_invitation(token)
    try:
        transition_apply(obj=customer, to=InvitationStatus.ACCEPTED, moves=INVITATION_MOVES, actor=user,
                         action="customer.invitation_accepted", changes={"admin_user": user},
                         audit_after={"admin": user.email})
    except PortalError:
        if customer.admin_user_id != user.pk:  # accepting twice is harmless; someone else's is not
            raise PortalError("invitation_used", _("This invitation was already accepted by someone else."),
                              status=409) from None
    return customer


# --- purchase authorizations ---------------------------------------------------------------------

def pa_create(*, customer: Customer, licence_type: str, lines: list[PALineInput], deployment_date: date,
              actor: User, tenant: Tenant | None = None, po_number: str = "") -> PurchaseAuthorization:
    """C-5: a PA from the partner (`tenant`) or from the customer's admin (no tenant). Refused for
    a customer with an overdue PA (C-7) and for products only sold directly (P-4)."""
    if tenant is not None:
        _require(tenant, Perm.CUSTOMERS_MANAGE)
    elif not _administers(actor, customer.pk):
        raise Forbidden()
    partner = customer.partner
    today = local_today(partner.time_zone)
    products = _check_pa_input(lines, licence_type, deployment_date, customer, today)
    with transaction.atomic():
        Customer.unscoped.select_for_update().get(pk=customer.pk)  # one PA decision at a time per customer
        if PurchaseAuthorization.unscoped.filter(pa_overdue_q(today), customer=customer).exists():
            raise PortalError("customer_overdue", _("This customer has an overdue purchase authorization: order or "
                                                    "cancel it before adding products."), status=409)
        pa = PurchaseAuthorization.objects.create(
            partner=partner, customer=customer, licence_type=licence_type, po_number=po_number.strip(),
            deployment_date=deployment_date, created_on=today, created_by=actor,
            requested_by_customer=tenant is None)
        PALine.objects.bulk_create([PALine(partner=partner, authorization=pa, product=products[line.product_id],
                                           licences=line.licences) for line in lines])
        transaction.on_commit(lambda: customers_changed(partner.pk))
        audit_record(action="pa.created", obj=pa, tenant=tenant, actor=actor, partner=partner,
                     after={"customer": customer.vip_id, "lines": len(lines), "by_customer": tenant is None})
        from .tasks import send_pa_created_emails

        outbox_enqueue(send_pa_created_emails, pa.pk)
    return pa


def _check_pa_input(lines, licence_type, deployment_date, customer, today) -> dict[int, LicenceProduct]:
    if not lines:
        raise PortalError("no_lines", _("Add at least one product."), field="lines")
    if len(lines) > MAX_PA_LINES:
        raise PortalError("too_many_lines", _("A purchase authorization has at most 20 lines."), field="lines")
    products = LicenceProduct.objects.in_bulk([line.product_id for line in lines])
    for index, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is None or not product.is_active:
            raise PortalError("unknown_product", _("Choose a product from the list."), field=f"lines[{index}].product")
        try:
            licence_product_check_pa_allowed(product=product)
        except PortalError as error:
            error.field = f"lines[{index}].product"
            raise
        if not 1 <= line.licences <= 10000:
            raise PortalError("licences_out_of_range", _("Licences must be between 1 and 10,000."),
                              field=f"lines[{index}].licences")
    if licence_type not in ("team", "enterprise"):
        raise PortalError("invalid_licence_type", _("Choose Team or Enterprise."), field="licence_type")
    if not today <= deployment_date <= customer.anniversary:
        raise PortalError("deployment_out_of_range", _("The deployment date must be between today and the "
                                                       "customer's anniversary date."), field="deployment_date")
    return products


def _pa_move(pa: PurchaseAuthorization, to: str, *, action: str, tenant: Tenant | None = None,
             actor: User | None = None, changes: dict | None = None, audit_after: dict | None = None) -> None:
    """One PA move through PA_MOVES (conditional UPDATE + audit); the customer list's cached
    counts are dropped after commit."""
    transition_apply(obj=pa, to=to, moves=PA_MOVES, action=action, tenant=tenant, actor=actor, partner=pa.partner,
                     changes=changes, audit_after=audit_after)
    transaction.on_commit(lambda: customers_changed(pa.partner_id))


def pa_order(*, tenant: Tenant, pa: PurchaseAuthorization, vendor_order_number: str) -> PurchaseAuthorization:
    """C-6: the vendor order is recorded; the lines become licences on the customer's
    subscriptions, which end on its anniversary."""
    _require(tenant, Perm.CUSTOMERS_MANAGE)
    if not vendor_order_number.strip():
        raise PortalError("vendor_order_required", _("Enter the vendor order number."), field="vendor_order_number")
    with transaction.atomic():
        today = local_today(tenant.partner.time_zone)
        number = vendor_order_number.strip()
        _pa_move(pa, PAStatus.ORDERED, action="pa.ordered", tenant=tenant,
                 changes={"vendor_order_number": number, "ordered_on": today}, audit_after={"vendor_order": number})
        for line in pa.lines.all():
            subscription_add_licences(customer=pa.customer, product_id=line.product_id, licences=line.licences,
                                      start=pa.deployment_date)
    return pa


def pa_cancel(*, tenant: Tenant, pa: PurchaseAuthorization) -> PurchaseAuthorization:
    """C-8: only a Pending or Overdue PA none of whose licences is assigned to a user."""
    _require(tenant, Perm.CUSTOMERS_MANAGE)
    with transaction.atomic():
        if LicenceAssignment.objects.for_partner(pa.partner).filter(line__authorization=pa).exists():
            raise PortalError("licences_assigned", _("A licence of this purchase authorization is assigned to a "
                                                     "user: it cannot be cancelled."), status=409)
        _pa_move(pa, PAStatus.CANCELLED, action="pa.cancelled", tenant=tenant)
    return pa


def pa_request_return(*, tenant: Tenant, pa: PurchaseAuthorization) -> PurchaseAuthorization:
    """C-8: an Ordered PA is not cancelled but returned: first requested…"""
    _require(tenant, Perm.CUSTOMERS_MANAGE)
    with transaction.atomic():
        _pa_move(pa, PAStatus.RETURN_REQUESTED, action="pa.return_requested", tenant=tenant)
    return pa


def pa_mark_returned(*, actor: User, pa: PurchaseAuthorization) -> PurchaseAuthorization:
    """…then confirmed by operator staff, which removes the licences."""
    if not actor.is_operator:
        raise Forbidden()
    with transaction.atomic():
        _pa_move(pa, PAStatus.RETURNED, action="pa.returned", actor=actor)
        today = local_today(pa.partner.time_zone)
        for line in pa.lines.all():
            subscription_add_licences(customer=pa.customer, product_id=line.product_id, licences=-line.licences,
                                      start=today)
    return pa


def pa_flag_overdue(*, partner: Partner, today: date) -> int:
    """C-6: "within 14 days" counts the creation day as day 0: a PA created on the 1st is still
    Pending on the 15th (day 14) and Overdue on the 16th (day 15). One UPDATE; safe to run twice."""
    count = transition_apply_many(
        queryset=PurchaseAuthorization.objects.for_partner(partner).filter(pa_overdue_q(today)), to=PAStatus.OVERDUE,
        moves=PA_MOVES, action="pa.flagged_overdue", partner=partner, audit_after={"today": today.isoformat()})
    if count:
        customers_changed(partner.pk)
    return count


@transaction.atomic
def licence_assign(*, actor: User, line: PALine, email: str) -> LicenceAssignment:
    """The customer's admin gives one licence of a PA line to a user of its company."""
    if not _administers(actor, line.authorization.customer_id):
        raise Forbidden()
    line = PALine.unscoped.select_for_update().select_related("authorization").get(pk=line.pk)  # one at a time
    if line.authorization.status not in (PAStatus.PENDING, PAStatus.OVERDUE, PAStatus.ORDERED):
        raise PortalError("pa_not_live", _("These licences are no longer available."), field="email", status=409)
    if Subscription.objects.for_partner(line.partner).filter(
            customer_id=line.authorization.customer_id, product_id=line.product_id,
            status=SubscriptionStatus.INACTIVE).exists():
        raise PortalError("licences_inactive", _("These licences are inactive: the subscription was not renewed."),
                          field="email", status=409)
    if line.assignments.count() >= line.licences:
        raise PortalError("no_licence_left", _("Every licence of this product is assigned."), field="email")
    try:
        with transaction.atomic():
            assignment = LicenceAssignment.objects.create(partner=line.partner, line=line, email=email.strip().lower())
    except IntegrityError:
        raise PortalError("already_assigned", _("This user already has this licence."), field="email") from None
    audit_record(action="licence.assigned", obj=assignment, actor=actor, partner=line.partner,
                 after={"email": assignment.email, "pa": line.authorization_id})
    return assignment


def licence_unassign(*, actor: User, assignment: LicenceAssignment) -> None:
    """The customer's admin takes a licence back from a user: it can be given to someone else."""
    line = assignment.line
    if not _administers(actor, line.authorization.customer_id):
        raise Forbidden()
    with transaction.atomic():
        deleted, _rows = LicenceAssignment.objects.for_partner(line.partner).filter(pk=assignment.pk).delete()
        if not deleted:
            raise PortalError("not_assigned", _("This licence is no longer assigned."), status=409)
        audit_record(action="licence.unassigned", obj=assignment, actor=actor, partner=line.partner,
                     before={"email": assignment.email, "pa": line.authorization_id})


def _administers(user: User, customer_id: int) -> bool:
    return Customer.unscoped.filter(pk=customer_id, admin_user=user).exists()


def order_duration(*, deployment_date: date, anniversary: date) -> tuple[int, int]:
    """C-9: the prorated term to order for licences added mid-term: whole months from the
    deployment date towards the anniversary, then the remaining days."""
    months = 0
    while add_months(deployment_date, months + 1) <= anniversary:
        months += 1
    return months, (anniversary - add_months(deployment_date, months)).days

