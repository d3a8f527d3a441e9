"""The concurrency rules, with real commits and threads against PostgreSQL:
V-8 one redemption of a code; B-7 no overspending the credit limit."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from billing.models import BalanceAccount, LedgerEntry
from portal.errors import PortalError
from portal.tenancy.roles import Role
from tests.conftest import member, tenant_for
from tests.factories import BillingContactFactory, PartnerFactory, PriceEntryFactory, PriceTableFactory, UserFactory
from vouchers.models import CertificateRequest, CodeStatus, VoucherCode, VoucherOrder
from vouchers.services import CertificateRequestInput, LineRequest, voucher_order_create, voucher_redeem

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(count, fn):
    barrier, outcomes = threading.Barrier(count), []

    def worker(index):
        barrier.wait()
        try:
            outcomes.append(("ok", fn(index)))
        except PortalError as error:
            outcomes.append(("refused", error.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def shop():
    partner = PartnerFactory(credit_limit=Decimal("10000"))
    BillingContactFactory(partner=partner)
    entry = PriceEntryFactory(table=PriceTableFactory(partner=partner), offered_price=Decimal("3000"))
    return tenant_for(member(partner, Role.PARTNER_FINANCE), partner), entry.product


def test_v8_two_concurrent_redemptions_exactly_one_succeeds(shop):
    tenant, product = shop
    order = voucher_order_create(tenant=tenant, lines=[LineRequest(product_id=product.pk, years=1, fqdns=1)])
    code = VoucherCode.objects.for_partner(tenant.partner).get(order=order)
    users = [UserFactory(), UserFactory(), UserFactory(), UserFactory()]
    outcomes = run_concurrently(4, lambda i: voucher_redeem(
        value=code.value, requester=users[i],
        data=CertificateRequestInput(common_name=f"host{i}.example.com", organisation="X")).pk)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused", "refused"]
    assert {detail for kind, detail in outcomes if kind == "refused"} == {"code_used"}
    assert CertificateRequest.objects.for_partner(tenant.partner).count() == 1
    code.refresh_from_db()
    assert code.status == CodeStatus.USED


def test_b7_concurrent_orders_never_exceed_the_credit_limit(shop):
    tenant, product = shop  # 3,000 a voucher, credit limit 10,000: at most 3 orders fit
    outcomes = run_concurrently(8, lambda i: voucher_order_create(
        tenant=tenant, lines=[LineRequest(product_id=product.pk, years=1, fqdns=1)]).pk)
    assert sorted(kind for kind, _ in outcomes) == ["ok"] * 3 + ["refused"] * 5
    assert {detail for kind, detail in outcomes if kind == "refused"} == {"insufficient_funds"}
    partner = tenant.partner
    ledger_sum = LedgerEntry.objects.for_partner(partner).aggregate(total=Sum("amount"))["total"]
    balance = BalanceAccount.objects.for_partner(partner).get().balance
    assert ledger_sum == balance == Decimal("-9000")
    assert balance + partner.credit_limit >= 0
    assert VoucherOrder.objects.for_partner(partner).count() == 3
    assert VoucherCode.objects.for_partner(partner).count() == 3
