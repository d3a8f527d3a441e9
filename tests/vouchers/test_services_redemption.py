"""V-8 redemption and V-9 review."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.errors import PortalError
from tests.factories import OperatorFactory, UserFactory
from vouchers.models import CertificateRequest, CodeStatus, RequestStatus, VoucherCode
from vouchers.services import (
    CertificateRequestInput,
    certificate_request_approve,
    certificate_request_withdraw,
    voucher_redeem,
)
from vouchers.services.redemption import is_fqdn, is_wildcard


@pytest.fixture
def code(make_order):
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


def test_v4_expired_code_refused_before_the_job_ran(code):
    VoucherCode.objects.for_partner(code.partner).filter(pk=code.pk).update(
        expires_on=timezone.localdate() - timedelta(days=3))
    with pytest.raises(PortalError) as refused:
        _redeem(code)
    assert refused.value.code == "code_expired"
    code.refresh_from_db()
    assert code.status == CodeStatus.ACTIVE


@pytest.mark.parametrize(("status", "error"), [(CodeStatus.CANCELLED, "code_cancelled"),
                                                (CodeStatus.REPLACED, "code_unknown"),
                                                (CodeStatus.EXPIRED, "code_expired")])
def test_v8_wrong_codes_get_clear_refusals(code, status, error):
    VoucherCode.objects.for_partner(code.partner).filter(pk=code.pk).update(status=status)
    with pytest.raises(PortalError) as refused:
        _redeem(code)
    assert refused.value.code == error


def test_v9_approval_sets_order_and_certificate_validity(code, settings):
    request = _redeem(code)
    issued = certificate_request_approve(actor=OperatorFactory(), certificate_request=request)
    today = issued.order_valid_from
    assert issued.status == RequestStatus.ISSUED
    assert issued.order_valid_till == date(today.year + 2, today.month, today.day) - timedelta(days=1)
    assert (issued.cert_valid_from, issued.cert_valid_till) == (today, today + timedelta(days=198))
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
