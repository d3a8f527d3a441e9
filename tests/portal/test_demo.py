from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command

from portal.catalogue.models import PriceEntry
from portal.demo import parse_price_table
from portal.tenancy.context import Tenant
from portal.tenancy.models import Membership, Partner, User
from portal.tenancy.roles import Role


def test_p2_demo_loads_the_seed_price_table_verbatim(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    japan = Partner.objects.get(account_number="JP-0001")
    rows = list(PriceEntry.objects.for_partner(japan).order_by("position"))
    assert len(rows) == 53
    first = rows[0]
    assert (first.label, first.list_price, first.discount_rate, first.offered_price) == (
        "デジサート グローバル・サーバID EV(1年間有効)", Decimal("219000"), Decimal("0"), Decimal("30"))
    assert rows[-1].label == "デジサート グローバル・サーバID 追加FQDN(複数年プラン5年間)"
    assert [r["label"] for r in parse_price_table()] == [r.label for r in rows]


def test_demo_is_idempotent_and_covers_every_role(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (User.objects.count(), Membership.unscoped.count(), PriceEntry.unscoped.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (User.objects.count(), Membership.unscoped.count(), PriceEntry.unscoped.count()) == counts
    roles = set(Membership.unscoped.values_list("role", flat=True))
    assert roles == {r for r in Role if r != Role.OPERATOR}
    assert User.objects.filter(is_operator=True).exists()
    japan = Partner.objects.get(account_number="JP-0001")
    assert (japan.currency, japan.language, japan.time_zone) == ("JPY", "ja", "Asia/Tokyo")
    france = Partner.objects.get(account_number="FR-0001")
    assert (france.currency, france.language) == ("EUR", "fr")


def test_v5_demo_has_voucher_orders_and_codes_in_every_state(db):
    from vouchers.models import CertificateRequest, CodeStatus, OrderStatus, RequestStatus, VoucherCode, VoucherOrder

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert set(VoucherOrder.unscoped.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(VoucherCode.unscoped.values_list("status", flat=True)) == set(CodeStatus.values)
    # Each state is what the services made of it: a Used code has its request, a Replaced one its
    # replacement, a cancelled order's codes are Cancelled, an Expired code is past its date.
    used = VoucherCode.unscoped.filter(status=CodeStatus.USED)
    assert {r.code_id for r in CertificateRequest.unscoped.all()} == set(used.values_list("pk", flat=True))
    assert CertificateRequest.unscoped.get(status=RequestStatus.ISSUED).certificate_order_id.startswith("CO-")
    replaced = VoucherCode.unscoped.get(status=CodeStatus.REPLACED)
    assert replaced.replaced_by.expires_on == replaced.expires_on
    cancelled = VoucherOrder.unscoped.get(status=OrderStatus.CANCELLED)
    assert set(cancelled.codes.values_list("status", flat=True)) == {CodeStatus.CANCELLED}
    assert all(code.expires_on < code.order.order_date + timedelta(days=400)
               for code in VoucherCode.unscoped.filter(status=CodeStatus.EXPIRED))


def test_v8_demo_code_signing_product_is_ordered_and_redeemed_with_the_organisation(db):
    """The demo's French partner sells Code Signing: a voucher of it is redeemed with the
    organisation's details, without any domain name."""
    from portal.catalogue.models import Product
    from tests.factories import UserFactory
    from vouchers.models import CodeStatus, VoucherCode
    from vouchers.services import CertificateRequestInput, LineRequest, voucher_order_create, voucher_redeem

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    france = Partner.objects.get(account_number="FR-0001")
    finance = User.objects.get(email="finance.fr@portal.example")
    product = Product.objects.get(code="code-signing")
    order = voucher_order_create(tenant=Tenant(partner=france, role=Role.PARTNER_FINANCE, user=finance),
                                 lines=[LineRequest(product_id=product.pk, years=1)])
    code = VoucherCode.objects.for_partner(france).get(order=order)
    request = voucher_redeem(value=code.value, requester=UserFactory(), data=CertificateRequestInput(
        organisation="Exemple SARL", organisation_address="1 rue de la Paix, 75002 Paris", contact_name="Léa Martin",
        contact_email="lea@exemple.test"))
    code.refresh_from_db()
    assert (code.status, request.common_name, request.organisation) == (CodeStatus.USED, "", "Exemple SARL")


def test_b8_demo_has_issued_paid_and_overdue_invoices(db):
    from billing.models import Invoice, InvoiceStatus
    from portal.dates import local_today

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert set(Invoice.unscoped.values_list("status", flat=True)) == set(InvoiceStatus.values)
    paid = Invoice.unscoped.filter(status=InvoiceStatus.PAID).first()
    assert paid.amount_paid == paid.total > 0
    for overdue in Invoice.unscoped.filter(status=InvoiceStatus.OVERDUE).select_related("partner"):
        assert overdue.due_date < local_today(overdue.partner.time_zone)
        assert overdue.amount_paid < overdue.total


def test_c3_demo_has_customers_in_every_filter(db):
    from customers.selectors import customer_filter_counts
    from portal.dates import local_today
    from portal.tenancy.context import Tenant
    from portal.tenancy.models import Partner

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    japan = Partner.objects.get(account_number="JP-0001")
    counts = customer_filter_counts(tenant=Tenant(partner=japan, role="partner_admin"),
                                    today=local_today(japan.time_zone))
    assert all(counts[name] >= 1 for name in ("no_products", "pending", "overdue", "upcoming", "ready")), counts


def test_r2_r5_r6_demo_has_every_colour_pools_with_history_and_a_renewal(db):
    from portal.dates import local_today
    from renewals.models import LicencePool, PoolEntry, Renewal, Subscription
    from renewals.selectors import Colour, with_status

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    japan = Partner.objects.get(account_number="JP-0001")
    subscriptions = with_status(Subscription.objects.for_partner(japan), local_today(japan.time_zone))
    colours = set(subscriptions.values_list("colour", flat=True))
    assert colours == {c.value for c in Colour}
    assert subscriptions.filter(status="inactive").exists()
    assert Renewal.objects.for_partner(japan).count() == 1
    assert LicencePool.unscoped.filter(reseller__isnull=False, balance__gt=0).exists()
    assert set(PoolEntry.unscoped.values_list("kind", flat=True)) == {"purchase", "allocation", "return", "renewal",
                                                                      "correction"}


# --- U-5 / issue 10 item 2: no demo accounts with a public password in production ---------------

def test_u5_demo_data_is_refused_under_production_settings_unless_asked(db, settings):
    import pytest
    from django.core.management.base import CommandError

    settings.PORTAL_PRODUCTION = True
    with pytest.raises(CommandError, match="production settings"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert User.objects.count() == 0 and Partner.objects.count() == 0


def test_u5_demo_data_asked_for_in_production_gets_a_random_password_printed_once(db, settings, monkeypatch):
    import io
    import re

    from portal.demo import KNOWN_DEMO_PASSWORD

    monkeypatch.delenv("PORTAL_DEMO_PASSWORD", raising=False)
    settings.PORTAL_PRODUCTION = True
    first = io.StringIO()
    call_command("seed_demo", "--production", stdout=first)
    password = re.search(r"shown this once: (\S+)\)", first.getvalue())[1]
    operator = User.objects.get(email="operator@portal.example")
    assert password != KNOWN_DEMO_PASSWORD and len(password) >= 16
    assert operator.check_password(password) and not operator.check_password(KNOWN_DEMO_PASSWORD)
    second = io.StringIO()
    call_command("seed_demo", "--production", stdout=second)
    assert password not in second.getvalue() and "unchanged" in second.getvalue()


def test_u5_production_refuses_the_published_demo_password_as_the_chosen_one(db, settings, monkeypatch):
    import pytest
    from django.core.management.base import CommandError

    from portal.demo import KNOWN_DEMO_PASSWORD

    monkeypatch.setenv("PORTAL_DEMO_PASSWORD", KNOWN_DEMO_PASSWORD)
    settings.PORTAL_PRODUCTION = True
    with pytest.raises(CommandError, match="published demo password"):
        call_command("seed_demo", "--production", stdout=open("/dev/null", "w"))
    assert User.objects.count() == 0


def test_u5_compose_does_not_load_demo_data_by_default():
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
    assert compose["services"]["web"]["environment"]["PORTAL_DEMO_DATA"] == "${PORTAL_DEMO_DATA:-0}"


def _production_web(database_url: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "k" * 60,
           "DATABASE_URL": database_url, "PORTAL_BIND": "127.0.0.1:0", "PORTAL_SETUP_ON_START": "0"}
    # `web` checks the accounts, then execs gunicorn; `--check-config` makes gunicorn exit at once.
    env["GUNICORN_CMD_ARGS"] = "--check-config"
    return subprocess.run([sys.executable, "-m", "portal.serve", "web"], cwd=Path(__file__).resolve().parents[2],
                          env=env, capture_output=True, text=True, timeout=120)


def test_u5_production_web_refuses_to_start_with_the_published_demo_password(transactional_db):
    import os

    from django.db import connection

    from portal.dburl import url_with_database
    from portal.demo import KNOWN_DEMO_PASSWORD
    from tests.factories import OperatorFactory

    url = url_with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    operator = OperatorFactory(email="operator@portal.example")
    # Hashed as production hashes (the test settings' fast hasher is not one production reads).
    operator.password = PBKDF2PasswordHasher().encode(KNOWN_DEMO_PASSWORD, "demosalt", iterations=1000)
    operator.save()
    refused = _production_web(url)
    assert refused.returncode != 0
    assert "operator@portal.example" in refused.stderr and "refusing to start" in refused.stderr
    operator.password = PBKDF2PasswordHasher().encode("a-long-private-passphrase", "demosalt", iterations=1000)
    operator.save()
    started = _production_web(url)
    assert started.returncode == 0, started.stderr
