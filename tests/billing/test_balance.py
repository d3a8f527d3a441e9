"""B-7: append-only ledger, credit limit with the tax reserved, low-balance notice once per crossing."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from billing.models import BalanceAccount, EntryType, Invoice, LedgerEntry
from billing.services import balance_funds, balance_notify_low, balance_refund, ledger_post
from billing.services.invoices import invoices_issue_month
from billing.services.ledger import tax_reserved
from portal.appendonly import AppendOnlyError
from portal.errors import PortalError
from portal.tenancy.models import Partner

TOKYO = ZoneInfo("Asia/Tokyo")


def _post(partner, amount, entry_type=EntryType.CHARGE, at=None):
    with transaction.atomic():
        return ledger_post(partner=partner, entry_type=entry_type, amount=Decimal(amount), reference="T", at=at)


def _balance(partner):
    return BalanceAccount.objects.for_partner(partner).get().balance


@pytest.fixture
def small(partner):
    """The issue's example: a ¥1,000 credit limit, the standard 10 % tax."""
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("1000"))
    partner.refresh_from_db()
    return partner


def test_b7_ledger_entries_carry_balance_after(partner):
    _post(partner, "-300000")
    _post(partner, "100000", EntryType.PAYMENT)
    entries = list(LedgerEntry.objects.for_partner(partner).order_by("id").values_list("amount", "balance_after"))
    assert entries == [(Decimal("-300000"), Decimal("-300000")), (Decimal("100000"), Decimal("-200000"))]
    assert balance_funds(partner=partner).available == Decimal("800000")


def test_b7_debit_past_the_credit_limit_is_refused_and_writes_nothing(small):
    _post(small, "-900")  # 900 + tax 90 = 990 of 1,000
    with pytest.raises(PortalError) as refused:
        _post(small, "-10")  # 910 + tax 91 = 1,001
    assert refused.value.code == "insufficient_funds"
    assert "¥10" in str(refused.value.message)  # 1,000 − 900 − the 90 reserved for tax
    assert LedgerEntry.objects.for_partner(small).count() == 1
    assert _balance(small) == Decimal("-900")


@pytest.mark.parametrize(("charge", "accepted"), [("909", True), ("910", False)])
def test_b7_order_needs_its_tax_in_the_available_funds(small, charge, accepted):
    """¥909 + ¥91 tax = ¥1,000 fits a ¥1,000 limit exactly; ¥910 + ¥91 does not (the old
    net-of-tax check accepted up to ¥1,000 and the run then took the partner to −1,100)."""
    if accepted:
        _post(small, f"-{charge}")
        assert _balance(small) == Decimal(f"-{charge}")
        assert tax_reserved(partner=small, currency="JPY") == Decimal("91")
    else:
        with pytest.raises(PortalError):
            _post(small, f"-{charge}")
        assert not LedgerEntry.objects.for_partner(small).exists()


def test_b7_tax_is_reserved_as_the_invoice_rounds_it_once_and_the_run_stays_within_the_limit(small):
    """Each order's own tax rounds to less than the month's (0.4 → 0 twice), so a per-order
    reserve would let ¥910 through and the run would post ¥91: −1,001. The month's tax is rounded
    once, as on the invoice: at the exact boundary the run leaves the balance at −1,000."""
    october = datetime(2026, 10, 15, 12, tzinfo=TOKYO)
    _post(small, "-904", at=october)  # month 904: tax 90.4 → 90
    _post(small, "-4", at=october)  # month 908: tax 90.8 → 91 (this order's own 0.4 → 0)
    with pytest.raises(PortalError):
        _post(small, "-2", at=october)  # month 910: tax 91 → 1,001 > 1,000
    _post(small, "-1", at=october)  # month 909: tax 91 → exactly 1,000
    assert tax_reserved(partner=small, currency="JPY") == Decimal("91")
    invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
    assert _balance(small) == Decimal("-1000") == -small.credit_limit
    assert Invoice.objects.for_partner(small).get().tax == Decimal("91")
    assert tax_reserved(partner=small, currency="JPY") == Decimal("0")  # invoiced: nothing held any more


def test_b7_each_open_month_is_reserved_with_its_own_rounding(small):
    """Two months not invoiced yet: 0.5 + 0.5 rounds to 1 + 1 = 2 (each invoice rounds its own),
    not round(1.0) = 1."""
    _post(small, "-5", at=datetime(2026, 9, 30, 23, 30, tzinfo=TOKYO))  # September in Tokyo
    _post(small, "-5", at=datetime(2026, 10, 1, 0, 30, tzinfo=TOKYO))  # October in Tokyo (still 30 Sep in UTC)
    assert tax_reserved(partner=small, currency="JPY") == Decimal("2")


def test_b7_refund_gives_its_tax_back_and_the_partners_own_rate_is_reserved(small):
    Partner.objects.filter(pk=small.pk).update(tax_rate=Decimal("0.08"))
    small.refresh_from_db()
    _post(small, "-500")
    assert tax_reserved(partner=small, currency="JPY") == Decimal("40")
    with transaction.atomic():
        balance_refund(partner=small, amount=Decimal("200"), reference="T")
    assert tax_reserved(partner=small, currency="JPY") == Decimal("24")
    with pytest.raises(PortalError):
        _post(small, "-700")  # 300 + 700 = 1,000 net, + 80 tax: over the 1,000 limit
    _post(small, "-625")  # 925 net + 74 tax = 999
    assert _balance(small) == Decimal("-925")


def test_b7_exactly_the_credit_limit_with_its_tax_may_be_used(small):
    _post(small, "-909")
    assert balance_funds(partner=small).available == Decimal("91")  # held for the tax
    assert _balance(small) - tax_reserved(partner=small, currency="JPY") == -small.credit_limit


def test_b7_invoice_run_sends_the_low_balance_notice(small, mailoutbox, django_capture_on_commit_callbacks):
    """The run's tax posting lowers the funds like any charge: crossing the threshold there
    e-mails the billing contact too (once)."""
    Partner.objects.filter(pk=small.pk).update(low_balance_threshold=Decimal("50"))
    october = datetime(2026, 10, 15, 12, tzinfo=TOKYO)
    with django_capture_on_commit_callbacks(execute=True):
        _post(small, "-909", at=october)  # available 91: above 50, no notice
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
    low = [m for m in mailoutbox if "¥0" in m.body]
    assert [m.to for m in low] == [["billing@example.test"]]
    assert BalanceAccount.objects.for_partner(small).get().low_balance_notified


def test_b7_invoice_run_does_not_repeat_a_notice_already_sent(small, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    """Already under the threshold and notified: the run's tax lowers the funds further, no second
    e-mail (once per crossing), the flag stays."""
    Partner.objects.filter(pk=small.pk).update(low_balance_threshold=Decimal("500"))
    october = datetime(2026, 10, 15, 12, tzinfo=TOKYO)
    with django_capture_on_commit_callbacks(execute=True):
        _post(small, "-900", at=october)  # available 100: under 500, the notice goes now
    def low_balance_mails():
        return [m for m in mailoutbox if m.subject == mailoutbox[0].subject]

    assert len(mailoutbox) == 1 and "¥100" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
    assert _balance(small) == Decimal("-990")
    assert len(mailoutbox) > 1 and len(low_balance_mails()) == 1  # the invoice went, no second notice
    assert BalanceAccount.objects.for_partner(small).get().low_balance_notified


def test_b7_invoice_run_resets_the_flag_of_funds_back_above_the_threshold(small, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    """A flag left raised while the funds are above the threshold (raised before the limit grew) is
    reset by the run's posting like by any other, without a notice: the next crossing e-mails again."""
    Partner.objects.filter(pk=small.pk).update(low_balance_threshold=Decimal("50"))
    _post(small, "-100", at=datetime(2026, 10, 15, 12, tzinfo=TOKYO))  # available 900
    BalanceAccount.objects.for_partner(small).update(low_balance_notified=True)
    with django_capture_on_commit_callbacks(execute=True):
        invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
    assert _balance(small) == Decimal("-110")
    assert not BalanceAccount.objects.for_partner(small).get().low_balance_notified
    from billing.tasks import send_low_balance_email
    from portal.jobs.models import OutboxMessage

    assert not OutboxMessage.objects.filter(task=send_low_balance_email.name).exists()


@pytest.mark.parametrize("available", ["49.99", "50", "50.01"])
@pytest.mark.parametrize("notified", [False, True])
def test_b7_low_balance_rule_reads_the_same_in_sql(db, available, notified):
    """The monthly run applies B-7's once-per-crossing rule in SQL: the same answers as the rule."""
    from billing.services.ledger import low_balance_flag, low_balance_flag_sql

    flag, send = low_balance_flag_sql(available="%(available)s::numeric", threshold="50::numeric",
                                      notified="%(notified)s::boolean")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {flag}, {send}", {"available": available, "notified": notified})
        in_sql = cursor.fetchone()
    assert in_sql == low_balance_flag(available=Decimal(available), threshold=Decimal("50"), notified=notified)


def test_b7_ledger_is_append_only(partner):
    entry = _post(partner, "-1")
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.for_partner(partner).update(amount=0)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE billing_ledgerentry SET amount = 0 WHERE id = %s", [entry.pk])


def test_b7_charge_sign_is_enforced_by_the_database(partner):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(partner=partner, entry_type=EntryType.CHARGE, amount=Decimal("5"),
                                   balance_after=Decimal("5"), currency="JPY", reference="x")


def test_b7_low_balance_email_once_per_crossing(partner, mailoutbox, django_capture_on_commit_callbacks):
    Partner.objects.filter(pk=partner.pk).update(low_balance_threshold=Decimal("500000"))
    with django_capture_on_commit_callbacks(execute=True):
        _post(partner, "-400000")  # available 600,000: above
        _post(partner, "-200000")  # available 400,000: crossed
        _post(partner, "-10000")   # still under: no second e-mail
    assert [m.to for m in mailoutbox] == [["billing@example.test"]]
    assert "¥390,000" in mailoutbox[0].body  # sent after commit: the funds as they are then
    with django_capture_on_commit_callbacks(execute=True):
        _post(partner, "300000", EntryType.PAYMENT)  # back above: armed again
        _post(partner, "-300000")                    # crossed again
    assert len(mailoutbox) == 2


def test_b7_low_balance_job_catches_a_credit_limit_cut(partner, mailoutbox, django_capture_on_commit_callbacks):

    _post(partner, "-100")
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("0"), low_balance_threshold=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        assert balance_notify_low(partner=partner, today=date(2026, 11, 21)) == 1
        assert balance_notify_low(partner=partner, today=date(2026, 11, 22)) == 0
    assert len(mailoutbox) == 1


def test_b7_licence_pool_purchase_needs_its_tax_in_the_funds_too(small, finance):
    """Every charge goes through the ledger, so a licence-year purchase (R-5) gets the same rule
    as a voucher order: ¥900 + ¥90 tax fits ¥1,000; a second ¥900 does not."""
    from renewals.services import pool_purchase
    from tests.factories import LicencePriceFactory, LicenceProductFactory, PriceTableFactory

    product = LicenceProductFactory()
    LicencePriceFactory(table=PriceTableFactory(partner=small), product=product, list_price=Decimal("900"),
                        discount_rate=Decimal("0"), offered_price=Decimal("900"))
    pool_purchase(tenant=finance, product_id=product.pk, licence_years=1)
    with pytest.raises(PortalError) as refused:
        pool_purchase(tenant=finance, product_id=product.pk, licence_years=1)
    assert refused.value.code == "insufficient_funds"
    assert (_balance(small), tax_reserved(partner=small, currency="JPY")) == (Decimal("-900"), Decimal("90"))


def test_b7_refusal_is_a_409_conflict_on_the_lines(small):
    with pytest.raises(PortalError) as refused:
        _post(small, "-1000")
    assert (refused.value.status, refused.value.field) == (409, "lines")


def test_b7_unpaid_invoices_count_what_is_still_due(partner):
    from tests.factories import for_partner

    invoice = for_partner(Invoice, partner)
    Invoice.unscoped.filter(pk=invoice.pk).update(total=Decimal("1100"), amount_paid=Decimal("400"))
    assert balance_funds(partner=partner).unpaid_invoices == Decimal("700")


def test_b7_low_balance_notice_only_under_the_threshold_not_at_it(partner, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    from billing.services import balance_track_low

    Partner.objects.filter(pk=partner.pk).update(low_balance_threshold=Decimal("500000"))
    with django_capture_on_commit_callbacks(execute=True):
        _post(partner, "-400000")  # available 600,000
    BalanceAccount.objects.for_partner(partner).update(balance=Decimal("-500000"))  # exactly at the threshold
    with django_capture_on_commit_callbacks(execute=True):
        assert balance_track_low(partner_ids=[partner.pk]) == 0
    BalanceAccount.objects.for_partner(partner).update(balance=Decimal("-500001"))
    with django_capture_on_commit_callbacks(execute=True):
        assert balance_track_low(partner_ids=[partner.pk]) == 1
        assert balance_track_low(partner_ids=[partner.pk]) == 0  # once per crossing
    assert len(mailoutbox) == 1


def test_b7_job_with_no_balance_yet_sends_nothing(partner):
    assert balance_notify_low(partner=partner, today=date(2026, 11, 21)) == 0


def test_b7_charge_in_a_month_already_invoiced_reserves_no_tax(small):
    """A month whose invoice is out (issued early by hand) is never invoiced again, so a later
    charge in it has no tax to come and none is held."""
    october = datetime(2026, 10, 10, 12, tzinfo=TOKYO)
    _post(small, "-100", at=october)
    invoices_issue_month(year=2026, month=10, time_zone="Asia/Tokyo")
    assert tax_reserved(partner=small, currency="JPY") == 0
    assert tax_reserved(partner=small, currency="JPY", adding=Decimal("-500"),
                        at=datetime(2026, 10, 20, 12, tzinfo=TOKYO)) == 0
    assert tax_reserved(partner=small, currency="JPY", adding=Decimal("-500"),
                        at=datetime(2026, 11, 2, 12, tzinfo=TOKYO)) == Decimal("50")
