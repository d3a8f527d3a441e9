"""The shared status-transition helper: allowed moves from one table, a conditional UPDATE, the
move audited in the same transaction; two concurrent moves of one row: exactly one wins."""

import pytest

from customers.models import PA_MOVES, PAStatus, PurchaseAuthorization
from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.transitions import transition_apply, transition_apply_many
from tests.factories import for_partner


def test_t5_move_allowed_by_the_table_is_applied_and_audited(partner):
    pa = for_partner(PurchaseAuthorization, partner)
    before = transition_apply(obj=pa, to=PAStatus.CANCELLED, moves=PA_MOVES, action="pa.cancelled", partner=partner)
    assert (before, pa.status) == (PAStatus.PENDING, PAStatus.CANCELLED)
    entry = AuditEntry.objects.for_partner(partner).get(action="pa.cancelled")
    assert (entry.before, entry.after, entry.object_id) == ({"status": "pending"}, {"status": "cancelled"}, str(pa.pk))


def test_t5_move_not_in_the_table_is_refused_and_changes_nothing(partner):
    pa = for_partner(PurchaseAuthorization, partner)
    with pytest.raises(PortalError) as refused:
        transition_apply(obj=pa, to=PAStatus.RETURNED, moves=PA_MOVES, action="pa.returned", partner=partner,
                         changes={"vendor_order_number": "X"})
    assert (refused.value.code, refused.value.status) == ("pa_state", 409)
    assert "Pending" in str(refused.value.message)
    pa.refresh_from_db()
    assert (pa.status, pa.vendor_order_number) == (PAStatus.PENDING, "")
    assert not AuditEntry.objects.for_partner(partner).filter(action="pa.returned").exists()


def test_t5_stale_object_moves_from_the_status_in_the_database(partner):
    """The table is checked against the row, not the (stale) object in memory."""
    pa = for_partner(PurchaseAuthorization, partner)
    PurchaseAuthorization.unscoped.filter(pk=pa.pk).update(status=PAStatus.OVERDUE)
    assert transition_apply(obj=pa, to=PAStatus.ORDERED, moves=PA_MOVES, action="pa.ordered",
                            partner=partner) == PAStatus.OVERDUE


def test_t5_bulk_moves_only_rows_the_table_allows(partner):
    pending = for_partner(PurchaseAuthorization, partner)
    ordered = for_partner(PurchaseAuthorization, partner)
    PurchaseAuthorization.unscoped.filter(pk=ordered.pk).update(status=PAStatus.ORDERED)
    count = transition_apply_many(queryset=PurchaseAuthorization.objects.for_partner(partner), to=PAStatus.OVERDUE,
                                  moves=PA_MOVES, action="pa.flagged_overdue", partner=partner)
    assert count == 1
    assert dict(PurchaseAuthorization.unscoped.values_list("pk", "status")) == {
        pending.pk: PAStatus.OVERDUE, ordered.pk: PAStatus.ORDERED}
    assert AuditEntry.objects.for_partner(partner).get(action="pa.flagged_overdue").after["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_t5_two_concurrent_moves_of_one_row_exactly_one_wins():
    from tests.concurrency import run_together
    from tests.factories import PartnerFactory

    partner = PartnerFactory()
    pa = for_partner(PurchaseAuthorization, partner)

    def move(to):
        return lambda: transition_apply(obj=PurchaseAuthorization.unscoped.get(pk=pa.pk), to=to, moves=PA_MOVES,
                                        action=f"pa.{to}", partner=partner)

    outcomes = run_together(*(move(to) for to in (PAStatus.ORDERED, PAStatus.CANCELLED) * 2))
    refusals = [outcome.code for outcome in outcomes if isinstance(outcome, PortalError)]
    assert (sorted(refusals), len(outcomes) - len(refusals)) == (["pa_state"] * 3, 1)
    assert AuditEntry.objects.for_partner(partner).count() == 1
