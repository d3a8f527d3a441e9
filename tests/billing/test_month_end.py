"""B-1: a month is invoiced only once it has ended in the partner's time zone; the same instant is
already December in Tokyo and still November in New York."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from billing.models import Invoice
from billing.services import invoices_issue_month
from billing.services.invoices import invoices_issue_due
from portal.errors import PortalError
from tests.billing.conftest import post
from tests.factories import BillingContactFactory, PartnerFactory


@pytest.fixture
def clock(monkeypatch):
    """Set the wall clock: clock(2026, 11, 30, 15) is 30 Nov 15:00 UTC."""

    def set_now(*args):
        moment = datetime(*args, tzinfo=UTC)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now


@pytest.fixture
def new_york(db):
    partner = PartnerFactory(name="Gamma Inc", currency="USD", time_zone="America/New_York")
    BillingContactFactory(partner=partner)
    return partner


def _invoices(partner):
    return list(Invoice.objects.for_partner(partner).values_list("period_start", "subtotal"))


def test_b1_issue_invoices_refuses_november_on_the_30th_in_tokyo(partner, clock):
    post(partner, "charge", "1000", datetime(2026, 11, 10, 3, tzinfo=UTC))
    clock(2026, 11, 30, 14, 59, 59)  # 23:59:59 on 30 November in Tokyo
    with pytest.raises(CommandError, match="has not ended yet in Asia/Tokyo"):
        call_command("issue_invoices", "--month", "2026-11")
    assert _invoices(partner) == []


def test_b1_an_order_later_on_the_30th_is_billed_with_november(partner, clock):
    post(partner, "charge", "1000", datetime(2026, 11, 10, 3, tzinfo=UTC))
    clock(2026, 11, 30, 5)  # 14:00 in Tokyo: the month is not over
    with pytest.raises(CommandError):
        call_command("issue_invoices", "--month", "2026-11")
    post(partner, "charge", "500", datetime(2026, 11, 30, 14, 30, tzinfo=UTC))  # 23:30 in Tokyo, same day
    clock(2026, 11, 30, 15)  # 1 December 00:00 in Tokyo
    call_command("issue_invoices", "--month", "2026-11")
    assert _invoices(partner) == [(date(2026, 11, 1), Decimal("1500"))]


def test_b1_month_end_is_each_partners_own(partner, new_york, clock, capsys):
    for customer in (partner, new_york):
        post(customer, "charge", "100", datetime(2026, 11, 10, 12, tzinfo=UTC))
    clock(2026, 11, 30, 15)  # December in Tokyo, 10:00 on 30 November in New York
    with pytest.raises(CommandError, match="America/New_York"):
        call_command("issue_invoices", "--month", "2026-11")
    assert "Asia/Tokyo: 1 issued" in capsys.readouterr().out
    assert (len(_invoices(partner)), _invoices(new_york)) == (1, [])
    clock(2026, 12, 1, 4, 59, 59)  # 23:59:59 on 30 November in New York
    with pytest.raises(CommandError, match="America/New_York"):
        call_command("issue_invoices", "--month", "2026-11")
    clock(2026, 12, 1, 5)  # midnight in New York
    call_command("issue_invoices", "--month", "2026-11")
    assert _invoices(new_york) == [(date(2026, 11, 1), Decimal("100"))]
    assert len(_invoices(partner)) == 1


def test_b1_the_service_itself_refuses_a_month_that_has_not_ended(partner):
    post(partner, "charge", "100", datetime(2026, 11, 10, 12, tzinfo=UTC))
    with pytest.raises(PortalError) as refused:
        invoices_issue_month(year=2026, month=11, time_zone="Asia/Tokyo",
                             now=datetime(2026, 11, 30, 14, 59, 59, tzinfo=UTC))
    assert (refused.value.code, refused.value.field) == ("month_not_ended", "month")
    assert len(invoices_issue_month(year=2026, month=11, time_zone="Asia/Tokyo",
                                    now=datetime(2026, 11, 30, 15, tzinfo=UTC))) == 1


def test_b1_the_monthly_job_run_with_a_future_today_waits_for_the_month_to_end(partner, clock):
    post(partner, "charge", "100", datetime(2026, 11, 10, 12, tzinfo=UTC))
    clock(2026, 11, 30, 5)
    assert invoices_issue_due(today=date(2026, 12, 1)) == {"issued": 0, "month_not_ended": ["Asia/Tokyo"]}
    clock(2026, 11, 30, 15)
    assert invoices_issue_due(today=date(2026, 12, 1)) == {"issued": 1}
