"""B-7: append-only ledger, credit limit, low-balance notice once per crossing."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from billing.models import BalanceAccount, EntryType, LedgerEntry
from billing.services import balance_funds, balance_notify_low, ledger_post
from portal.appendonly import AppendOnlyError
from portal.errors import PortalError
from portal.tenancy.models import Partner


def _post(partner, amount, entry_type=EntryType.CHARGE):
    with transaction.atomic():
        return ledger_post(partner=partner, entry_type=entry_type, amount=Decimal(amount), reference="T")


def test_b7_ledger_entries_carry_balance_after(partner):
    _post(partner, "-300000")
    _post(partner, "100000", EntryType.PAYMENT)
    entries = list(LedgerEntry.objects.for_partner(partner).order_by("id").values_list("amount", "balance_after"))
    assert entries == [(Decimal("-300000"), Decimal("-300000")), (Decimal("100000"), Decimal("-200000"))]
    assert balance_funds(partner=partner).available == Decimal("800000")


def test_b7_debit_past_the_credit_limit_is_refused_and_writes_nothing(partner):
    _post(partner, "-999999")
    with pytest.raises(PortalError) as refused:
        _post(partner, "-2")
    assert refused.value.code == "insufficient_funds"
    assert "¥1" in str(refused.value.message)
    assert LedgerEntry.objects.for_partner(partner).count() == 1
    assert BalanceAccount.objects.for_partner(partner).get().balance == Decimal("-999999")


def test_b7_exactly_the_credit_limit_may_be_used(partner):
    _post(partner, "-1000000")
    assert balance_funds(partner=partner).available == Decimal("0")


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
    from datetime import date

    _post(partner, "-100")
    Partner.objects.filter(pk=partner.pk).update(credit_limit=Decimal("0"), low_balance_threshold=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        assert balance_notify_low(partner=partner, today=date(2026, 11, 21)) == 1
        assert balance_notify_low(partner=partner, today=date(2026, 11, 22)) == 0
    assert len(mailoutbox) == 1
