from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from billing.services import BillableItem, ledger_post


def post(partner, kind, amount, when, reference="VO-1", items=None):
    """A charge or refund made at `when`."""
    amount = Decimal(amount)
    sign = 1 if kind == "charge" else -1
    items = items or [BillableItem("SSL OV (1Y)", sign, amount * sign)]
    with transaction.atomic():
        return ledger_post(partner=partner, entry_type=kind, amount=-sign * amount, reference=reference, items=items,
                           at=when)


@pytest.fixture
def at():
    def make(*args):
        return datetime(*args, tzinfo=UTC)

    return make
