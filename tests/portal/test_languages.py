"""U-2: every page in the viewer's language and time zone, at display time: audit labels and
summaries, the ledger's tax entry, product names, French vocabulary and grammar; an end customer's
pages in their own language and zone."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from billing.models import LedgerEntry
from customers.models import PAStatus
from portal.audit.services import audit_record
from portal.tenancy.models import User
from tests.factories import (
    AuditEntryFactory,
    CertificateRequestFactory,
    CustomerFactory,
    LedgerEntryFactory,
    PurchaseAuthorizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _in(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_u2_t5_audit_log_labels_and_summaries_in_the_viewers_language(admin_client, admin_tenant, partner):
    pa = PurchaseAuthorizationFactory(customer=CustomerFactory(partner=partner), status=PAStatus.ORDERED)
    entry = audit_record(action="pa.ordered", obj=pa, tenant=admin_tenant, before={"status": PAStatus.PENDING},
                         after={"status": PAStatus.ORDERED})
    AuditEntryFactory(partner=partner, action="some.future_action")
    log = _in(admin_client, "fr").get(reverse("audit_log")).content.decode()
    assert "Autorisation d&#x27;achat commandée" in log
    assert f"Autorisation d&#x27;achat {pa.pk}" in log
    assert "pa.ordered</" not in log and "customers.PurchaseAuthorization" not in log
    assert "some.future_action" in log  # an unknown code is shown as it is
    detail = _in(admin_client, "ja").get(reverse("audit_entry", args=[entry.pk])).content.decode()
    assert "注文済み" in detail and "保留中" in detail  # the statuses, in the viewer's language


def test_u2_t5_every_audited_action_has_a_label():
    import re
    from pathlib import Path

    from portal.audit.display import ACTION_LABELS

    root = Path(__file__).resolve().parents[2]
    codes = set()
    for folder in ("portal", "vouchers", "billing", "customers", "renewals"):
        for path in (root / folder).rglob("*.py"):
            codes |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert codes - set(ACTION_LABELS) == set()


def test_u2_b7_tax_entry_in_the_viewers_language(finance_client, partner):
    LedgerEntryFactory(partner=partner, entry_type="adjustment", description="Consumption tax")
    assert "消費税" in _in(finance_client, "ja").get(reverse("billing_home")).content.decode()
    assert "Taxe à la consommation" in _in(finance_client, "fr").get(reverse("billing_home")).content.decode()
    assert LedgerEntry.objects.for_partner(partner).get().description == "Consumption tax"  # stored as the key


def test_u2_p2_product_names_and_discount_in_the_viewers_language(finance_client, price_table):
    entry = price_table.entries.select_related("product").first()
    entry.product.names = {"fr": "Signature de code"}
    entry.product.save(update_fields=["names"])
    french = _in(finance_client, "fr").get(reverse("account_prices")).content.decode()
    english = _in(finance_client, "en").get(reverse("account_prices")).content.decode()
    assert "<td>Signature de code</td>" in french and f"<td>{entry.product.name}</td>" in english
    assert " %</td>" in english


def test_u2_french_says_bons_dachat_and_caracteres_generiques(finance_client):
    html = _in(finance_client, "fr").get(reverse("vouchers_home")).content.decode()
    assert "<h1>Bons d'achat</h1>" in html and ">Vouchers<" not in html
    swedish = _in(finance_client, "sv").get(reverse("vouchers_home")).content.decode()
    assert "Värdekuponger" in swedish and ">Vouchers<" not in swedish


def test_u2_french_sign_in_error_agrees():
    user = UserFactory(email="someone@example.test")
    response = _in(Client(), "fr").post(reverse("login"), {"username": user.email, "password": "wrong"})
    html = response.content.decode()
    assert "Saisissez une adresse e-mail et un mot de passe valides." in html and "un adresse" not in html


def test_u2_end_customer_pages_show_their_own_time_zone(partner):
    tokyo = UserFactory(email="tokyo@example.test", language="en", time_zone="Asia/Tokyo")
    request = CertificateRequestFactory(code__partner=partner, code__line__order__partner=partner, requester=tokyo)
    type(request).unscoped.filter(pk=request.pk).update(requested_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    client = Client()
    client.force_login(tokyo)
    html = client.get(reverse("my_requests")).content.decode()
    assert "03/02/2026 8:30 a.m." in html
    assert "11:30 p.m." not in html


def test_u2_language_zone_when_the_person_gave_none():
    assert UserFactory(language="ja", time_zone="").viewer_time_zone == "Asia/Tokyo"
    assert UserFactory(language="sv", time_zone="Europe/Berlin").viewer_time_zone == "Europe/Berlin"


def test_u2_sign_up_keeps_the_browsers_time_zone_and_language():
    client = _in(Client(), "ja")
    form = {"email": "new@example.test", "first_name": "N", "last_name": "W", "password1": "a-Strong-pass-77",
            "password2": "a-Strong-pass-77"}
    client.post(reverse("signup"), form | {"time_zone": "Asia/Tokyo"})
    user = User.objects.get(email="new@example.test")
    assert (user.language, user.time_zone) == ("ja", "Asia/Tokyo")
    Client().post(reverse("signup"), form | {"email": "odd@example.test", "time_zone": "Mars/Olympus"})
    assert User.objects.get(email="odd@example.test").time_zone == ""


def test_u2_the_language_switcher_is_remembered_on_the_profile(admin_client, admin_user):
    admin_client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    admin_user.refresh_from_db()
    assert admin_user.language == "sv"
    admin_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    admin_user.refresh_from_db()
    assert admin_user.language == "sv"
