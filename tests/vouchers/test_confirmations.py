"""U-1: every irreversible action has a confirmation page that says what will happen and changes
nothing until confirmed; pages offer an action only where it is allowed and say why not (V-10,
V-11, C-8, C-2, API keys, users); the invoice preview may be framed by the portal itself (B-2)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.documents import invoice_documents_store
from billing.models import LedgerEntry
from customers.models import PAStatus
from portal.api.models import ApiKey
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from tests.conftest import client_for, member
from tests.factories import (
    ApiKeyFactory,
    CustomerFactory,
    InvoiceFactory,
    LicenceAssignmentFactory,
    PALineFactory,
    PurchaseAuthorizationFactory,
)
from vouchers.models import CodeStatus, OrderStatus, VoucherCode, VoucherOrder

pytestmark = pytest.mark.django_db


def _codes(order):
    return list(VoucherCode.objects.for_partner(order.partner).filter(order=order).order_by("pk"))


def test_v10_cancel_confirmation_says_refund_and_codes_and_changes_nothing(finance_client, make_order, partner):
    order = make_order(quantity=3)
    entries = LedgerEntry.objects.for_partner(partner).count()
    page = finance_client.get(reverse("voucher_order_cancel", args=[order.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and page.templates[0].name == "confirm.html"
    assert "The order and its 3 codes become Cancelled" in html
    assert order.total == 2985 and "¥2,985 is refunded to your balance" in html  # 3 × 995
    assert 'name="confirm"' in html and "This cannot be undone." in html
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert [c.status for c in _codes(order)] == [CodeStatus.ACTIVE] * 3
    assert LedgerEntry.objects.for_partner(partner).count() == entries

    token = re.search(r'name="once_token" value="([^"]+)"', html)[1]  # money moves: the form acts once
    finance_client.post(reverse("voucher_order_cancel", args=[order.pk]), {"confirm": "1", "once_token": token})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_v10_order_page_offers_cancel_only_while_allowed_and_says_why_not(finance_client, make_order):
    order = make_order(quantity=2)
    url = reverse("voucher_order", args=[order.pk])
    cancel = reverse("voucher_order_cancel", args=[order.pk])
    assert f'href="{cancel}" data-confirm' in finance_client.get(url).content.decode()

    code = _codes(order)[0]
    VoucherCode.objects.for_partner(order.partner).filter(pk=code.pk).update(status=CodeStatus.USED)
    html = finance_client.get(url).content.decode()
    assert cancel not in html
    assert "only while all its codes are Active" in html
    confirm = finance_client.get(cancel).content.decode()
    assert "only while all its codes are Active" in confirm and 'name="confirm"' not in confirm


def test_v10_cancel_offered_on_day_30_and_not_on_day_31(finance_client, make_order, partner):
    order = make_order(quantity=1)
    url = reverse("voucher_order", args=[order.pk])
    cancel = reverse("voucher_order_cancel", args=[order.pk])
    today = order.order_date
    VoucherOrder.objects.for_partner(partner).filter(pk=order.pk).update(order_date=today - timedelta(days=30))
    assert cancel in finance_client.get(url).content.decode()
    VoucherOrder.objects.for_partner(partner).filter(pk=order.pk).update(order_date=today - timedelta(days=31))
    html = finance_client.get(url).content.decode()
    assert cancel not in html and "only within 30 days" in html


def test_v6_cancelled_order_offers_no_whole_order_pdf(finance_client, make_order, finance):
    from vouchers.services import voucher_order_cancel

    order = make_order(quantity=1)
    pdf = reverse("voucher_order_pdf", args=[order.pk])
    assert pdf in finance_client.get(reverse("voucher_order", args=[order.pk])).content.decode()
    voucher_order_cancel(tenant=finance, order=order)
    html = finance_client.get(reverse("voucher_order", args=[order.pk])).content.decode()
    assert pdf not in html and "A cancelled order has no vouchers to print." in html
    assert reverse("voucher_order_cancel", args=[order.pk]) not in html


def test_v11_reissue_confirmation_names_code_and_expiry_then_reissues(finance_client, make_order, partner):
    order = make_order(quantity=1)
    [code] = _codes(order)
    page = finance_client.get(reverse("voucher_code_reissue", args=[code.pk])).content.decode()
    assert f"Code {code.pk} ({code.masked}) stops working at once" in page
    assert code.expires_on.strftime("%Y") in page and 'name="confirm"' in page
    code.refresh_from_db()
    assert code.status == CodeStatus.ACTIVE and len(_codes(order)) == 1

    finance_client.post(reverse("voucher_code_reissue", args=[code.pk]), {"confirm": "1"})
    code.refresh_from_db()
    assert code.status == CodeStatus.REPLACED and len(_codes(order)) == 2


def test_c8_pa_cancel_and_return_confirmations(manager_client, partner):
    customer = CustomerFactory(partner=partner, name="Kobe Works")
    pending = PurchaseAuthorizationFactory(customer=customer)
    PALineFactory(authorization=pending, licences=4)
    ordered = PurchaseAuthorizationFactory(customer=customer, status=PAStatus.ORDERED)
    PALineFactory(authorization=ordered, licences=2)
    detail = manager_client.get(reverse("customer", args=[customer.pk])).content.decode()
    assert reverse("pa_action", args=[pending.pk, "cancel"]) in detail
    assert reverse("pa_action", args=[ordered.pk, "return"]) in detail

    page = manager_client.get(reverse("pa_action", args=[pending.pk, "cancel"])).content.decode()
    assert "Kobe Works loses access to its products: 4 ×" in page and 'name="confirm"' in page
    page = manager_client.get(reverse("pa_action", args=[ordered.pk, "return"])).content.decode()
    assert "When it is returned, the licences are removed from Kobe Works: 2 ×" in page
    pending.refresh_from_db()
    ordered.refresh_from_db()
    assert (pending.status, ordered.status) == (PAStatus.PENDING, PAStatus.ORDERED)
    assert manager_client.get(reverse("pa_action", args=[pending.pk, "order"])).status_code == 404

    manager_client.post(reverse("pa_action", args=[pending.pk, "cancel"]), {"confirm": "1"})
    pending.refresh_from_db()
    assert pending.status == PAStatus.CANCELLED


def test_c8_pa_cancel_confirmation_refuses_when_a_licence_is_assigned(manager_client, partner):
    pa = PurchaseAuthorizationFactory(customer=CustomerFactory(partner=partner))
    LicenceAssignmentFactory(line=PALineFactory(authorization=pa))
    page = manager_client.get(reverse("pa_action", args=[pa.pk, "cancel"])).content.decode()
    assert "is assigned to a user: it cannot be cancelled" in page and 'name="confirm"' not in page


def test_api_key_revoke_and_user_removal_are_confirmed(admin_client, partner):
    key = ApiKeyFactory(partner=partner, name="ERP")
    page = admin_client.get(reverse("api_key_revoke", args=[key.pk])).content.decode()
    assert "Revoke the API key ERP?" in page and f"{key.prefix}…" in page
    assert ApiKey.objects.for_partner(partner).get(pk=key.pk).is_active
    admin_client.post(reverse("api_key_revoke", args=[key.pk]), {"confirm": "1"})
    assert not ApiKey.objects.for_partner(partner).get(pk=key.pk).is_active

    other = member(partner, Role.READ_ONLY, user__email="leaving@example.test")
    membership = Membership.objects.for_partner(partner).get(user=other)
    page = admin_client.get(reverse("user_remove", args=[membership.pk])).content.decode()
    assert "leaving@example.test can no longer sign in" in page
    assert Membership.objects.for_partner(partner).filter(pk=membership.pk).exists()
    admin_client.post(reverse("user_remove", args=[membership.pk]), {"confirm": "1"})
    assert not Membership.objects.for_partner(partner).filter(pk=membership.pk).exists()


def test_confirmation_pages_are_scoped_to_the_tenant(other_admin, make_order):
    order = make_order(quantity=1)
    client = client_for(other_admin)
    assert client.get(reverse("voucher_order_cancel", args=[order.pk])).status_code == 404
    assert client.get(reverse("voucher_code_reissue", args=[_codes(order)[0].pk])).status_code == 404


def test_b2_invoice_preview_may_be_framed_by_the_portal_only(finance_client, partner):
    invoice = InvoiceFactory(partner=partner, issue_date=timezone.localdate())
    invoice_documents_store(invoice)  # stored, as the issuing worker does
    inline = finance_client.get(reverse("invoice_pdf", args=[invoice.pk]), {"inline": "1"})
    download = finance_client.get(reverse("invoice_pdf", args=[invoice.pk]))
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert download["X-Frame-Options"] == "DENY"
    # CSP's frame-ancestors (what browsers follow over X-Frame-Options) says the same
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    page = finance_client.get(reverse("invoice", args=[invoice.pk]))
    for response in (download, page):
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert inline["Content-Disposition"].startswith("inline")
