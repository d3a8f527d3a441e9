"""V-8 redemption and V-9 review."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal.errors import PortalError
from tests.conftest import freeze_clock
from tests.factories import OperatorFactory, UserFactory
from vouchers.models import CertificateRequest, CodeStatus, RequestStatus, VoucherCode
from vouchers.services import (
    CertificateRequestInput,
    certificate_request_approve,
    certificate_request_withdraw,
    voucher_redeem,
)
from vouchers.services.redemption import is_fqdn, is_wildcard

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def code(business_day, make_order):
    """A 2-year voucher ordered on each business day (29 February included)."""
    order = make_order(quantity=1, fqdns=3, wildcards=1, years=2)
    return VoucherCode.objects.for_partner(order.partner).get(order=order)


def _redeem(code, **changes):
    data = {"common_name": "www.example.com", "organisation": "Example KK", **changes}
    return voucher_redeem(value=code.value, requester=UserFactory(), data=CertificateRequestInput(**data))


def test_v8_redeeming_marks_the_code_used_and_records_the_request(code):
    request = _redeem(code, additional_names=["api.example.com", "Shop.Example.com"],
                      wildcard_names=["*.example.org"], server_licences=3)
    code.refresh_from_db()
    assert code.status == CodeStatus.USED and code.used_at is not None
    assert (request.status, request.common_name, request.additional_names, request.wildcard_names) == (
        RequestStatus.PENDING, "www.example.com", ["api.example.com", "shop.example.com"], ["*.example.org"])


def test_v8_a_used_code_cannot_be_redeemed_again(code):
    _redeem(code)
    with pytest.raises(PortalError) as refused:
        _redeem(code)
    assert refused.value.code == "code_used"
    assert CertificateRequest.objects.for_partner(code.partner).count() == 1


@pytest.mark.parametrize(("changes", "error_field"), [
    ({"additional_names": ["a.example.com", "b.example.com", "c.example.com"]}, "additional_names"),
    ({"wildcard_names": ["*.a.example.com", "*.b.example.com"]}, "wildcard_names"),
    ({"wildcard_names": ["example.com"]}, "wildcard_names"),
    ({"additional_names": ["*.example.com"]}, "additional_names"),
    ({"common_name": "not a domain"}, "common_name"),
    ({"common_name": "-bad-.example.com"}, "common_name"),
    ({"organisation": "  "}, "organisation"),
    ({"additional_names": ["www.example.com"]}, "additional_names"),
])
def test_v8_names_are_validated_within_the_vouchers_limits(code, changes, error_field):
    with pytest.raises(PortalError) as refused:
        _redeem(code, **changes)
    assert refused.value.field == error_field
    code.refresh_from_db()
    assert code.status == CodeStatus.ACTIVE


def test_v8_name_rules():
    assert is_fqdn("www.example.co.jp") and not is_fqdn("localhost") and not is_fqdn("a..b")
    assert is_wildcard("*.example.com") and not is_wildcard("*example.com") and not is_wildcard("*.*.example.com")


@pytest.mark.parametrize(("tokyo_time", "refused"), [
    (datetime(2027, 11, 20, 23, 50, tzinfo=TOKYO), False),  # the last day, 23:50 in Tokyo (14:50 UTC)
    (datetime(2027, 11, 21, 0, 5, tzinfo=TOKYO), True),  # the next day, 00:05 in Tokyo (still the 20th in UTC)
])
def test_v4_expiry_is_the_end_of_the_day_in_the_partners_time_zone(make_order, monkeypatch, tokyo_time, refused):
    """Ordered 2026-11-21 → usable until 2027-11-20 (Tokyo): accepted at 23:50 that day and refused
    at 00:05 the next day, before any job ran; a UTC date would still say the 20th at 00:05."""
    freeze_clock(monkeypatch, datetime(2026, 11, 21, 10, tzinfo=TOKYO))
    code = VoucherCode.objects.for_partner(make_order(quantity=1).partner).get()
    assert code.expires_on == date(2027, 11, 20)
    freeze_clock(monkeypatch, tokyo_time)
    if refused:
        with pytest.raises(PortalError) as refusal:
            _redeem(code, common_name="www.example.com")
        assert refusal.value.code == "code_expired"
    else:
        assert _redeem(code, common_name="www.example.com").status == RequestStatus.PENDING
    code.refresh_from_db()
    assert code.status == (CodeStatus.ACTIVE if refused else CodeStatus.USED)


def test_v4_expired_code_refused_before_the_job_ran(code, business_day):
    VoucherCode.objects.for_partner(code.partner).filter(pk=code.pk).update(
        expires_on=business_day - timedelta(days=1))
    with pytest.raises(PortalError) as refused:
        _redeem(code)
    assert refused.value.code == "code_expired"
    code.refresh_from_db()
    assert code.status == CodeStatus.ACTIVE


@pytest.mark.parametrize(("status", "error", "http"), [(CodeStatus.CANCELLED, "code_cancelled", 409),
                                                        (CodeStatus.REPLACED, "code_unknown", 404),
                                                        (CodeStatus.EXPIRED, "code_expired", 409),
                                                        (CodeStatus.USED, "code_used", 409)])
def test_v8_wrong_codes_get_clear_refusals(code, status, error, http):
    VoucherCode.objects.for_partner(code.partner).filter(pk=code.pk).update(status=status)
    with pytest.raises(PortalError) as refused:
        _redeem(code)
    assert (refused.value.code, refused.value.status) == (error, http)


ORDER_VALID_TILL = {date(2026, 11, 21): date(2028, 11, 20), date(2028, 2, 29): date(2030, 2, 28)}
CERT_VALID_TILL = {date(2026, 11, 21): date(2027, 6, 7), date(2028, 2, 29): date(2028, 9, 14)}


def test_v9_approval_sets_order_and_certificate_validity(code, business_day):
    """A 2-year order from the day of approval (2028-02-29 → until 2030-02-28, a full two years);
    the certificate for 199 days from issuance."""
    request = _redeem(code)
    issued = certificate_request_approve(actor=OperatorFactory(), certificate_request=request)
    assert issued.status == RequestStatus.ISSUED
    assert (issued.order_valid_from, issued.order_valid_till) == (business_day, ORDER_VALID_TILL[business_day])
    assert (issued.cert_valid_from, issued.cert_valid_till) == (business_day, CERT_VALID_TILL[business_day])
    assert issued.certificate_order_id == f"CO-{request.pk:08d}"


def test_v9_certificate_never_outlives_its_order(code, settings):
    settings.PORTAL_MAX_TLS_LIFETIME_DAYS = 5000
    issued = certificate_request_approve(actor=OperatorFactory(), certificate_request=_redeem(code))
    assert issued.cert_valid_till == issued.order_valid_till


def test_v9_only_operators_review(code):
    with pytest.raises(PortalError):
        certificate_request_approve(actor=UserFactory(), certificate_request=_redeem(code))


@pytest.mark.parametrize(("days_after_request", "reactivated"), [(30, True), (31, False)])
def test_v9_cancel_within_30_days_reactivates_the_voucher_with_its_original_expiry(code, days_after_request,
                                                                                     reactivated):
    request = _redeem(code)
    original_expiry = code.expires_on
    CertificateRequest.objects.for_partner(code.partner).filter(pk=request.pk).update(
        requested_at=timezone.now() - timedelta(days=days_after_request))
    operator = OperatorFactory()
    certificate_request_approve(actor=operator, certificate_request=request)
    certificate_request_withdraw(actor=operator, certificate_request=request, outcome=RequestStatus.REVOKED)
    code.refresh_from_db()
    assert code.status == (CodeStatus.ACTIVE if reactivated else CodeStatus.USED)
    assert code.expires_on == original_expiry


def test_v9_rejected_request_frees_the_code_for_a_new_request(code):
    request = _redeem(code)
    certificate_request_withdraw(actor=OperatorFactory(), certificate_request=request, outcome=RequestStatus.REJECTED)
    second = _redeem(code, common_name="new.example.com")
    assert second.status == RequestStatus.PENDING


@pytest.fixture
def code_signing(price_table):
    from portal.catalogue.models import ProductKind
    from tests.factories import PriceEntryFactory, ProductFactory

    product = ProductFactory(code="cs", name="Code Signing", kind=ProductKind.CODE_SIGNING, takes_fqdns=False,
                             takes_wildcards=False, included_fqdns=0)
    PriceEntryFactory(table=price_table, product=product, years=1, offered_price=Decimal("72000"))
    return product


def _signing_code(finance, product, **line):
    from vouchers.services import LineRequest, voucher_order_create

    order = voucher_order_create(tenant=finance, lines=[LineRequest(product_id=product.pk, years=1, **line)])
    return VoucherCode.objects.for_partner(order.partner).get(order=order)


ORGANISATION = {"organisation": "Example KK", "organisation_address": "1-1 Chiyoda, Tokyo 100-0001",
                "contact_name": "Aiko Tanaka", "contact_email": "Aiko@Example.test"}


def test_v8_code_signing_voucher_is_redeemed_with_the_organisation_not_domain_names(finance, code_signing):
    code = _signing_code(finance, code_signing)
    request = voucher_redeem(value=code.value, requester=UserFactory(),
                             data=CertificateRequestInput(**ORGANISATION))
    code.refresh_from_db()
    assert code.status == CodeStatus.USED
    assert (request.common_name, request.organisation, request.organisation_address, request.contact_name,
            request.contact_email, request.shipping_address) == (
        "", "Example KK", "1-1 Chiyoda, Tokyo 100-0001", "Aiko Tanaka", "aiko@example.test", "")


@pytest.mark.parametrize(("changes", "field"), [
    ({"common_name": "www.example.com"}, "common_name"),
    ({"organisation_address": ""}, "organisation_address"),
    ({"contact_email": ""}, "contact_email"),
    ({"contact_name": " "}, "contact_name"),
])
def test_v8_code_signing_request_refuses_domain_names_and_needs_the_contact(finance, code_signing, changes, field):
    code = _signing_code(finance, code_signing)
    with pytest.raises(PortalError) as refused:
        voucher_redeem(value=code.value, requester=UserFactory(),
                       data=CertificateRequestInput(**{**ORGANISATION, **changes}))
    assert refused.value.field == field
    code.refresh_from_db()
    assert code.status == CodeStatus.ACTIVE
    assert not CertificateRequest.objects.for_partner(code.partner).exists()


def test_v8_ev_code_signing_token_needs_a_shipping_address(finance, ev_code_signing):
    code = _signing_code(finance, ev_code_signing, shipping_method="express")
    with pytest.raises(PortalError) as refused:
        voucher_redeem(value=code.value, requester=UserFactory(), data=CertificateRequestInput(**ORGANISATION))
    assert refused.value.field == "shipping_address"
    request = voucher_redeem(value=code.value, requester=UserFactory(),
                             data=CertificateRequestInput(**ORGANISATION, shipping_address="2-2 Shibuya, Tokyo"))
    assert request.shipping_address == "2-2 Shibuya, Tokyo"
