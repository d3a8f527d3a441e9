"""C-1 … C-9 and R-1 through the services."""

from datetime import date, timedelta

import pytest
from django.core import signing

from customers.models import Customer, InvitationStatus, PAStatus
from customers.services import (
    CustomerInput,
    PALineInput,
    customer_add,
    invitation_accept,
    invitation_token,
    licence_assign,
    order_duration,
    pa_cancel,
    pa_create,
    pa_flag_overdue,
    pa_mark_returned,
    pa_order,
    pa_request_return,
)
from portal.appendonly import AppendOnlyError
from portal.audit.models import AuditEntry
from portal.dates import add_years, local_today
from portal.errors import PortalError
from renewals.models import Subscription
from tests.factories import OperatorFactory, UserFactory


def _input(**changes):
    data = {"name": "Tanaka Design KK", "market_segment": "commercial", "offer_type": "team", "region": "Kanto",
            "address": "2-2 Shibuya", "postal_code": "150-0002", "contact_name": "Aiko Tanaka",
            "contact_email": "Aiko@Tanaka.test", **changes}
    return CustomerInput(**data)


@pytest.fixture
def customer(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return customer_add(tenant=manager, data=_input())


def _pa(customer, manager, product, licences=5, **changes):
    today = local_today(customer.partner.time_zone)
    return pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                     lines=[PALineInput(product.pk, licences)], deployment_date=changes.pop("deployment", today),
                     **changes)


def test_c1_customer_added_with_a_vip_id_and_default_anniversary(customer, partner):
    assert customer.vip_id.startswith("VIP") and len(customer.vip_id) == 13
    assert customer.anniversary == add_years(local_today(partner.time_zone), 1)
    assert (customer.contact_email, customer.invitation_status) == ("aiko@tanaka.test", InvitationStatus.SENT)
    assert AuditEntry.objects.for_partner(partner).get(action="customer.added").after["vip_id"] == customer.vip_id


def test_c1_custom_anniversary_must_give_a_longer_first_term(manager, partner):
    today = local_today(partner.time_zone)
    with pytest.raises(PortalError) as refused:
        customer_add(tenant=manager, data=_input(anniversary=today + timedelta(days=200)))
    assert refused.value.field == "anniversary"
    later = add_years(today, 1) + timedelta(days=90)
    assert customer_add(tenant=manager, data=_input(anniversary=later)).anniversary == later


def test_c1_customer_details_and_anniversary_never_change(customer):
    customer.anniversary = customer.anniversary + timedelta(days=30)
    with pytest.raises(AppendOnlyError):
        customer.save()
    customer.refresh_from_db()
    customer.name = "Renamed"
    with pytest.raises(AppendOnlyError):
        customer.save()


def test_c2_invitation_is_emailed_with_a_signed_link(customer, mailoutbox):
    import re

    from customers.services import customer_for_invitation

    [mail] = mailoutbox
    assert mail.to == ["aiko@tanaka.test"]
    token = re.search(r"/invitation/([^/\s]+)/", mail.body)[1]
    assert customer_for_invitation(token) == customer
    assert customer.vip_id in mail.body


def test_c2_accepting_makes_the_user_the_customers_admin(customer):
    user = UserFactory()
    accepted = invitation_accept(token=invitation_token(customer), user=user)
    assert (accepted.invitation_status, accepted.admin_user) == (InvitationStatus.ACCEPTED, user)
    with pytest.raises(PortalError) as refused:
        invitation_accept(token=invitation_token(customer), user=UserFactory())
    assert refused.value.code == "invitation_used"


def test_c2_tampered_or_expired_links_are_refused(customer, monkeypatch):
    with pytest.raises(PortalError) as refused:
        invitation_accept(token=invitation_token(customer) + "x", user=UserFactory())
    assert refused.value.code == "invitation_invalid"
    token = invitation_token(customer)
    monkeypatch.setattr(signing, "time", type("T", (), {"time": staticmethod(lambda: 10**11)}))
    with pytest.raises(PortalError) as refused:
        invitation_accept(token=token, user=UserFactory())
    assert refused.value.code == "invitation_expired"


def test_c5_pa_created_and_the_customer_emailed(customer, manager, team_product, mailoutbox,
                                                django_capture_on_commit_callbacks):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pa = _pa(customer, manager, team_product, po_number="PO-7")
    assert (pa.status, pa.po_number, pa.lines.get().licences) == (PAStatus.PENDING, "PO-7", 5)
    assert [m.to for m in mailoutbox] == [["aiko@tanaka.test"]]
    assert "5 × Creative Cloud for teams — All Apps" in mailoutbox[0].body


def test_c5_customer_admin_requests_products_and_the_manager_is_emailed(customer, team_product, manager_user,
                                                                        mailoutbox, django_capture_on_commit_callbacks):
    admin = UserFactory()
    invitation_accept(token=invitation_token(customer), user=admin)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pa = pa_create(customer=customer, actor=admin, licence_type="team", lines=[PALineInput(team_product.pk, 2)],
                       deployment_date=local_today(customer.partner.time_zone))
    assert pa.requested_by_customer
    assert sorted(m.to[0] for m in mailoutbox) == sorted(["aiko@tanaka.test", manager_user.email])
    with pytest.raises(PortalError):
        pa_create(customer=customer, actor=UserFactory(), licence_type="team", lines=[PALineInput(team_product.pk, 1)],
                  deployment_date=local_today(customer.partner.time_zone))


def test_c5_a_pa_has_at_most_20_lines_whoever_asks(customer, manager, team_product):
    """The limit is the service's (the form and the API only repeat it): 21 lines are refused."""
    today = local_today(customer.partner.time_zone)
    with pytest.raises(PortalError) as refused:
        pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                  lines=[PALineInput(team_product.pk, 1)] * 21, deployment_date=today)
    assert (refused.value.code, refused.value.field) == ("too_many_lines", "lines")
    assert customer.authorizations.count() == 0
    assert pa_create(tenant=manager, customer=customer, actor=manager.user, licence_type="team",
                     lines=[PALineInput(team_product.pk, 1)] * 20, deployment_date=today).lines.count() == 20


def test_p4_excluded_product_cannot_go_on_a_pa(customer, manager, excluded_product):
    with pytest.raises(PortalError) as refused:
        _pa(customer, manager, excluded_product)
    assert refused.value.field == "lines[0].product"
    assert "order this product directly from the vendor" in str(refused.value.message)
    assert not customer.authorizations.exists()


def test_c6_ordering_turns_lines_into_licences_ending_on_the_anniversary(customer, manager, team_product):
    pa = _pa(customer, manager, team_product, licences=5)
    pa_order(tenant=manager, pa=pa, vendor_order_number="VO-123")
    second = _pa(customer, manager, team_product, licences=3)
    pa_order(tenant=manager, pa=second, vendor_order_number="VO-124")
    subscription = Subscription.objects.for_partner(customer.partner).get(customer=customer)
    assert (subscription.licences, subscription.end_date) == (8, customer.anniversary)
    pa.refresh_from_db()
    assert (pa.status, pa.vendor_order_number) == (PAStatus.ORDERED, "VO-123")


@pytest.mark.parametrize(("age", "status"), [(14, PAStatus.PENDING), (15, PAStatus.OVERDUE)])
def test_c6_pa_not_ordered_within_14_days_becomes_overdue(business_day, customer, manager, team_product, age,
                                                          status):
    pa = _pa(customer, manager, team_product)
    pa_flag_overdue(partner=customer.partner, today=pa.created_on + timedelta(days=age))
    pa.refresh_from_db()
    assert pa.status == status


def test_c6_overdue_pa_can_still_be_ordered(customer, manager, team_product):
    pa = _pa(customer, manager, team_product)
    pa_flag_overdue(partner=customer.partner, today=pa.created_on + timedelta(days=20))
    assert pa_order(tenant=manager, pa=pa, vendor_order_number="VO-9").status == PAStatus.ORDERED


def test_c7_overdue_customer_cannot_get_new_products_until_resolved(customer, manager, team_product):
    pa = _pa(customer, manager, team_product)
    pa_flag_overdue(partner=customer.partner, today=pa.created_on + timedelta(days=15))
    with pytest.raises(PortalError) as refused:
        _pa(customer, manager, team_product)
    assert refused.value.code == "customer_overdue"
    assert customer.authorizations.count() == 1
    pa_cancel(tenant=manager, pa=pa)
    assert _pa(customer, manager, team_product).status == PAStatus.PENDING


@pytest.mark.parametrize(("age", "refused"), [(14, False), (15, True)])
def test_c7_unflagged_overdue_pa_blocks_before_the_daily_job_ran(business_day, customer, manager, team_product, age,
                                                                 refused):
    """Overdue is decided from the PA's date: a Pending PA 15 days old blocks (14 days old does
    not), although no job has flagged it."""
    from customers.models import PurchaseAuthorization

    old = _pa(customer, manager, team_product)
    PurchaseAuthorization.unscoped.filter(pk=old.pk).update(created_on=old.created_on - timedelta(days=age))
    if refused:
        with pytest.raises(PortalError) as refusal:
            _pa(customer, manager, team_product)
        assert refusal.value.code == "customer_overdue"
        assert customer.authorizations.count() == 1
    else:
        assert _pa(customer, manager, team_product).status == PAStatus.PENDING
    old.refresh_from_db()
    assert old.status == PAStatus.PENDING  # nothing flagged it


def test_c8_cancel_only_pending_or_overdue_without_assigned_licences(customer, manager, team_product):
    pa = _pa(customer, manager, team_product)
    assert pa_cancel(tenant=manager, pa=pa).status == PAStatus.CANCELLED
    ordered = _pa(customer, manager, team_product)
    pa_order(tenant=manager, pa=ordered, vendor_order_number="VO-1")
    with pytest.raises(PortalError) as refused:
        pa_cancel(tenant=manager, pa=ordered)
    assert refused.value.code == "pa_state"


def test_c8_cancel_refused_once_a_licence_is_assigned(customer, manager, team_product):
    admin = UserFactory()
    invitation_accept(token=invitation_token(customer), user=admin)
    pa = _pa(customer, manager, team_product)
    licence_assign(actor=admin, line=pa.lines.get(), email="designer@tanaka.test")
    with pytest.raises(PortalError) as refused:
        pa_cancel(tenant=manager, pa=pa)
    assert refused.value.code == "licences_assigned"
    pa.refresh_from_db()
    assert pa.status == PAStatus.PENDING


def test_c8_ordered_pa_is_returned_and_loses_its_licences(customer, manager, team_product):
    pa = _pa(customer, manager, team_product, licences=4)
    pa_order(tenant=manager, pa=pa, vendor_order_number="VO-1")
    pa_request_return(tenant=manager, pa=pa)
    pa_mark_returned(actor=OperatorFactory(), pa=pa)
    pa.refresh_from_db()
    assert pa.status == PAStatus.RETURNED
    assert Subscription.objects.for_partner(customer.partner).get(customer=customer).licences == 0


def test_c8_licences_cannot_exceed_the_line(customer, manager, team_product):
    admin = UserFactory()
    invitation_accept(token=invitation_token(customer), user=admin)
    line = _pa(customer, manager, team_product, licences=1).lines.get()
    licence_assign(actor=admin, line=line, email="a@tanaka.test")
    with pytest.raises(PortalError) as refused:
        licence_assign(actor=admin, line=line, email="b@tanaka.test")
    assert refused.value.code == "no_licence_left"


@pytest.mark.parametrize(("deployed", "anniversary", "expected"), [
    (date(2026, 11, 21), date(2027, 11, 21), (12, 0)),
    (date(2026, 11, 21), date(2027, 2, 1), (2, 11)),
    (date(2027, 1, 31), date(2027, 3, 30), (1, 30)),
    (date(2026, 11, 21), date(2026, 12, 5), (0, 14)),
])
def test_c9_prorated_order_duration(deployed, anniversary, expected):
    assert order_duration(deployment_date=deployed, anniversary=anniversary) == expected


def test_c1_reseller_user_adds_customers_of_its_reseller_only(partner, reseller):
    from portal.tenancy.roles import Role
    from tests.conftest import member, tenant_for

    user = member(partner, Role.RESELLER_USER, reseller=reseller)
    customer = customer_add(tenant=tenant_for(user, partner), data=_input())
    assert customer.reseller == reseller
    assert Customer.objects.for_tenant(tenant_for(user, partner)).count() == 1


def test_c6_flag_overdue_command_for_a_given_day(customer, manager, team_product):
    from django.core.management import call_command

    pa = _pa(customer, manager, team_product)
    call_command("flag_overdue_pas", "--today", (pa.created_on + timedelta(days=15)).isoformat())
    pa.refresh_from_db()
    assert pa.status == PAStatus.OVERDUE


def test_c8_licences_of_a_cancelled_pa_cannot_be_assigned(customer, manager, team_product):
    admin = UserFactory()
    invitation_accept(token=invitation_token(customer), user=admin)
    pa = _pa(customer, manager, team_product)
    pa_cancel(tenant=manager, pa=pa)
    with pytest.raises(PortalError) as refused:
        licence_assign(actor=admin, line=pa.lines.get(), email="late@tanaka.test")
    assert refused.value.code == "pa_not_live"


@pytest.mark.django_db(transaction=True)
def test_c8_concurrent_assignments_never_exceed_the_line():
    import threading

    from django.db import connection

    from portal.tenancy.roles import Role
    from tests.conftest import member, tenant_for
    from tests.factories import BillingContactFactory, LicenceProductFactory, PartnerFactory

    partner = PartnerFactory()
    BillingContactFactory(partner=partner)
    manager = tenant_for(member(partner, Role.ACCOUNT_MANAGER), partner)
    customer = customer_add(tenant=manager, data=_input())
    admin = UserFactory()
    invitation_accept(token=invitation_token(customer), user=admin)
    line = _pa(customer, manager, LicenceProductFactory(), licences=2).lines.get()
    barrier, outcomes = threading.Barrier(5), []

    def assign(index):
        barrier.wait()
        try:
            licence_assign(actor=admin, line=line, email=f"user{index}@tanaka.test")
            outcomes.append("ok")
        except PortalError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["no_licence_left"] * 3 + ["ok"] * 2
    assert line.assignments.count() == 2
