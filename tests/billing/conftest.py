from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction

from billing.services import BillableItem, balance_charge, balance_refund


def post(partner, kind, amount, when, reference="VO-1", items=None):
    """A charge or refund as if made at `when` (the append-only ledger cannot be back-dated)."""
    amount = Decimal(amount)
    sign = 1 if kind == "charge" else -1
    items = items or [BillableItem("SSL OV (1Y)", sign, amount * sign)]
    with mock.patch("django.utils.timezone.now", return_value=when), transaction.atomic():
        fn = balance_charge if kind == "charge" else balance_refund
        return fn(partner=partner, amount=amount, reference=reference, items=items)


@pytest.fixture
def at():
    def make(*args):
        return datetime(*args, tzinfo=UTC)

    return make
