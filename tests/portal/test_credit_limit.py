"""T-8 / B-7: operator staff lower a credit limit only down to the credit the partner uses now.

Chosen behaviour: a decrease below the current use is refused with a message naming the amount
in use (it never takes effect for new orders only)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from billing.services import balance_charge
from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.tenancy import services
from tests.factories import BalanceAccountFactory, OperatorFactory, PartnerFactory


def _use(partner, amount):
    with transaction.atomic():
        balance_charge(partner=partner, amount=Decimal(amount), reference="VO-1")


def test_b7_credit_limit_lowered_down_to_the_credit_in_use(operator, partner):
    _use(partner, "300000")
    services.partner_contract_update(actor=operator, partner=partner, values={"credit_limit": Decimal("300000")},
                                     reason="Risk review")
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("300000")


def test_b7_credit_limit_below_the_credit_in_use_is_refused_and_nothing_changes(operator, partner):
    _use(partner, "300000")
    with pytest.raises(PortalError) as refused:
        services.partner_contract_update(actor=operator, partner=partner,
                                         values={"credit_limit": Decimal("299999"), "payment_terms": "NET60"},
                                         reason="Risk review")
    assert (refused.value.code, refused.value.field) == ("credit_limit_below_use", "credit_limit")
    assert "¥300,000" in str(refused.value.message)
    partner.refresh_from_db()
    assert (partner.credit_limit, partner.payment_terms) == (Decimal("1000000"), "NET30")
    assert not AuditEntry.objects.for_partner(partner).filter(action__startswith="partner.").exists()


def test_b7_credit_limit_may_rise_whatever_the_use(operator, partner):
    _use(partner, "900000")
    services.partner_contract_update(actor=operator, partner=partner, values={"credit_limit": Decimal("950000")},
                                     reason="Seasonal")
    partner.refresh_from_db()
    assert partner.credit_limit == Decimal("950000")


@pytest.mark.django_db(transaction=True)
def test_b7_an_order_and_a_lower_limit_at_the_same_time_never_leave_use_above_the_limit():
    """Both lock the balance row: the later one sees the other's result."""
    partner = PartnerFactory(credit_limit=Decimal("1000"))
    BalanceAccountFactory(partner=partner)
    operator = OperatorFactory()
    barrier = threading.Barrier(2)
    outcomes = {}

    def order():
        try:
            barrier.wait()
            _use(partner, "800")
            outcomes["order"] = "ok"
        except PortalError as error:
            outcomes["order"] = error.code
        finally:
            connection.close()

    def lower():
        try:
            barrier.wait()
            services.partner_contract_update(actor=operator, partner=partner, values={"credit_limit": Decimal("500")},
                                             reason="Risk review")
            outcomes["limit"] = "ok"
        except PortalError as error:
            outcomes["limit"] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=order), threading.Thread(target=lower)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    partner.refresh_from_db()
    from billing.models import BalanceAccount

    balance = BalanceAccount.objects.for_partner(partner).get().balance
    assert balance + partner.credit_limit >= 0
    assert sorted(outcomes.values()) in (["credit_limit_below_use", "ok"], ["insufficient_funds", "ok"])
