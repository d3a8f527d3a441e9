"""T-4 for vouchers: operator staff with the partner's consent order in its account; the billing
contact is e-mailed; the audit log names both the operator and the partner."""

from django.urls import reverse

from portal.audit.models import AuditEntry
from tests.conftest import client_for
from tests.factories import DelegationConsentFactory, OperatorFactory
from tests.vouchers.test_views import _form
from vouchers.models import VoucherOrder


def test_t4_operator_orders_vouchers_on_the_partners_behalf(partner, ssl, admin_user, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    DelegationConsentFactory(partner=partner, granted_by=admin_user)
    operator = OperatorFactory(email="staff@operator.example")
    client = client_for(operator)
    client.post(reverse("enter_partner", args=[partner.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("voucher_order_new"), _form(ssl, [{"quantity": 3}]) | {"submit": "1"})
    order = VoucherOrder.objects.for_partner(partner).get()
    assert response.status_code == 302
    assert (order.created_by, order.delegated) == (operator, True)
    entry = AuditEntry.objects.for_partner(partner).get(action="voucher_order.created")
    assert (entry.actor, entry.delegated, entry.partner) == (operator, True, partner)
    assert [m.to for m in mailoutbox] == [["billing@example.test"]]
    assert f"/vouchers/{order.pk}/" in mailoutbox[0].body
    assert str(order.pk) in mailoutbox[0].subject


def test_t4_without_consent_the_operator_cannot_order(partner, ssl):
    client = client_for(OperatorFactory())
    client.post(reverse("enter_partner", args=[partner.pk]))
    response = client.post(reverse("voucher_order_new"), _form(ssl, [{}]) | {"submit": "1"})
    assert response.status_code == 302 and response.url == reverse("operator_home")
    assert VoucherOrder.objects.for_partner(partner).count() == 0
