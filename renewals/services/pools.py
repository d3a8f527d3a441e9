"""Licence pools (R-5): licence-years a partner buys, allocates to its resellers and takes back,
that renewals consume and the operator corrects.

Every movement goes through `pool_move`, the one door: it runs with the pool row locked (SELECT …
FOR UPDATE), refuses to take the balance below zero, and appends the pool-ledger entry with the
balance after — the pool's own `CHECK (balance >= 0)` is the last word. Several pools are locked in
the order of their ids, and before the money balance (billing's ledger locks it last).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from billing.services import BillableItem, balance_charge
from portal.audit.services import audit_record
from portal.catalogue.models import LicenceProduct
from portal.catalogue.pricing import licence_year_price
from portal.dates import local_today
from portal.errors import Forbidden, PortalError
from portal.tenancy.context import Tenant
from portal.tenancy.models import Partner, Reseller, User
from portal.tenancy.roles import Perm

from ..models import LicencePool, PoolEntry, PoolEntryKind, Renewal

MAX_LICENCE_YEARS = 1_000_000


@dataclass(frozen=True)
class PoolKey:
    """Whose pool of which product: `reseller_id` None is the partner's own pool."""

    partner_id: int
    reseller_id: int | None
    product_id: int


def pools_lock(keys: list[PoolKey]) -> dict[PoolKey, LicencePool]:
    """The pools of `keys` (created empty if new), locked until the end of the transaction, in id
    order so two movements over the same pools never wait for each other in a circle."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("pools_lock must run inside the caller's transaction")
    ids = {}
    for key in sorted(set(keys), key=lambda k: (k.product_id, k.reseller_id or 0)):
        pool, _created = LicencePool.unscoped.get_or_create(partner_id=key.partner_id, reseller_id=key.reseller_id,
                                                            product_id=key.product_id)
        ids[key] = pool.pk
    locked = {pool.pk: pool for pool in LicencePool.unscoped.select_for_update().filter(
        pk__in=ids.values()).order_by("pk")}
    return {key: locked[pk] for key, pk in ids.items()}


def pool_move(*, pool: LicencePool, kind: str, quantity: int, actor: User | None, reference: str = "",
              reason: str = "", renewal: Renewal | None = None, ledger_entry=None,
              field: str = "licence_years") -> PoolEntry:
    """Move `quantity` licence-years (negative: out) on a pool locked by `pools_lock`."""
    new_balance = pool.balance + quantity
    if new_balance < 0:
        raise PortalError("pool_short", _("Not enough licence-years in the pool: %(available)s available, "
                                          "%(needed)s needed.") % {"available": pool.balance, "needed": -quantity},
                          field=field, status=409)
    LicencePool.unscoped.filter(pk=pool.pk).update(balance=new_balance)
    pool.balance = new_balance
    return PoolEntry.objects.create(partner_id=pool.partner_id, pool=pool, reseller_id=pool.reseller_id,
                                    product_id=pool.product_id, kind=kind, quantity=quantity,
                                    balance_after=new_balance, reference=reference[:64], reason=reason[:200],
                                    renewal=renewal, ledger_entry=ledger_entry, created_by=actor)


def _require(tenant: Tenant, perm: Perm) -> None:
    if not tenant.can(perm):
        raise Forbidden()


def _check_quantity(quantity: int, field: str = "licence_years") -> None:
    if not 1 <= quantity <= MAX_LICENCE_YEARS:
        raise PortalError("licence_years_out_of_range", _("Enter a number of licence-years between 1 and "
                                                          "1,000,000."), field=field)


def pool_purchase(*, tenant: Tenant, product_id: int, licence_years: int) -> PoolEntry:
    """R-5: the partner buys licence-years for its own pool at its contract price; the balance is
    charged (B-7: refused, with nothing changed, beyond the funds available) and the charge is on
    the month's invoice."""
    _require(tenant, Perm.POOLS_MANAGE)
    if tenant.reseller is not None:
        raise Forbidden()
    _check_quantity(licence_years)
    partner = tenant.partner
    product, unit = licence_year_price(partner=partner, product_id=product_id, on=local_today(partner.time_zone))
    total = unit * licence_years
    with transaction.atomic():
        pool = pools_lock([PoolKey(partner.pk, None, product.pk)])[PoolKey(partner.pk, None, product.pk)]
        charge = balance_charge(partner=partner, amount=total.amount, reference=f"LICENCES {product.sku}",
                                description=product.name, actor=tenant.user,
                                items=[BillableItem(_item_description(product), licence_years, total.amount)])
        entry = pool_move(pool=pool, kind=PoolEntryKind.PURCHASE, quantity=licence_years, actor=tenant.user,
                          reference=charge.reference, ledger_entry=charge)
        audit_record(action="pool.purchased", obj=entry, tenant=tenant,
                     after={"product": product.sku, "licence_years": licence_years, "amount": total.amount,
                            "currency": total.currency, "balance_after": entry.balance_after})
    return entry


def _item_description(product: LicenceProduct) -> str:
    """How a purchase reads on the itemised statement (language-neutral, as order lines): the
    quantity is the licence-years bought."""
    return f"{product.name} ({product.sku})"


def _reseller(tenant: Tenant, reseller_id) -> Reseller:
    reseller = Reseller.objects.for_tenant(tenant).filter(pk=reseller_id).first() if str(reseller_id).isdigit() \
        else None
    if reseller is None:
        raise PortalError("unknown_reseller", _("Choose one of your resellers."), field="reseller")
    return reseller


def pool_allocate(*, tenant: Tenant, product_id: int, reseller_id: int, licence_years: int) -> PoolEntry:
    """R-5: licence-years from the partner's pool to a reseller's pool. Returns the reseller's entry."""
    return _transfer(tenant, product_id, reseller_id, licence_years, to_reseller=True)


def pool_take_back(*, tenant: Tenant, product_id: int, reseller_id: int, licence_years: int) -> PoolEntry:
    """R-5: licence-years back from a reseller's pool to the partner's. Returns the partner's entry."""
    return _transfer(tenant, product_id, reseller_id, licence_years, to_reseller=False)


def _transfer(tenant: Tenant, product_id: int, reseller_id: int, licence_years: int, *, to_reseller: bool
              ) -> PoolEntry:
    _require(tenant, Perm.POOLS_MANAGE)
    if tenant.reseller is not None:
        raise Forbidden()
    _check_quantity(licence_years)
    reseller = _reseller(tenant, reseller_id)
    product = LicenceProduct.objects.filter(pk=product_id).first() if str(product_id).isdigit() else None
    if product is None:
        raise PortalError("unknown_product", _("Choose a licence product."), field="product")
    partner_key = PoolKey(tenant.partner.pk, None, product.pk)
    reseller_key = PoolKey(tenant.partner.pk, reseller.pk, product.pk)
    kind = PoolEntryKind.ALLOCATION if to_reseller else PoolEntryKind.RETURN
    with transaction.atomic():
        pools = pools_lock([partner_key, reseller_key])
        source, target = (partner_key, reseller_key) if to_reseller else (reseller_key, partner_key)
        pool_move(pool=pools[source], kind=kind, quantity=-licence_years, actor=tenant.user, reference=reseller.name)
        entry = pool_move(pool=pools[target], kind=kind, quantity=licence_years, actor=tenant.user,
                          reference=reseller.name)
        audit_record(action="pool.allocated" if to_reseller else "pool.taken_back", obj=entry, tenant=tenant,
                     after={"product": product.sku, "reseller": reseller.name, "licence_years": licence_years,
                            "partner_pool": pools[partner_key].balance, "reseller_pool": pools[reseller_key].balance})
    return entry


def pool_correct(*, actor: User, partner: Partner, product_id: int, reseller_id: int | None, quantity: int,
                 reason: str) -> PoolEntry:
    """R-5: operator staff credit (positive) or correct (negative) a partner's or reseller's pool,
    with a reason; never below zero."""
    if not actor.is_operator:
        raise Forbidden()
    if not reason.strip():
        raise PortalError("reason_required", _("Say why the pool is corrected."), field="reason")
    if quantity == 0 or abs(quantity) > MAX_LICENCE_YEARS:
        raise PortalError("quantity_out_of_range", _("Enter a number of licence-years other than 0 (negative to "
                                                     "take licence-years away)."), field="quantity")
    if reseller_id is not None and not Reseller.objects.for_partner(partner).filter(pk=reseller_id).exists():
        raise PortalError("unknown_reseller", _("Choose one of this partner's resellers."), field="reseller")
    if not LicenceProduct.objects.filter(pk=product_id).exists():
        raise PortalError("unknown_product", _("Choose a licence product."), field="product")
    key = PoolKey(partner.pk, reseller_id, product_id)
    with transaction.atomic():
        pool = pools_lock([key])[key]
        before = pool.balance
        entry = pool_move(pool=pool, kind=PoolEntryKind.CORRECTION, quantity=quantity, actor=actor,
                          reason=reason.strip(), field="quantity")
        audit_record(action="pool.corrected", obj=entry, actor=actor, partner=partner,
                     before={"balance": before}, after={"balance": entry.balance_after, "reason": reason.strip()})
    return entry
