"""Thin Celery wrappers: load, call the service (through portal.jobs for scheduled jobs), return a
summary. E-mails go to the customer's admin and its account manager, each in their own language."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from portal.jobs.services import run_daily_per_partner
from portal.mail import mail_task, send_templated_mail

from . import services
from .models import Renewal, RenewalNotice
from .services import access_ends_on


@shared_task(name="renewals.tasks.send_renewal_notices")
def send_renewal_notices(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="send_renewal_notices",
        today=today,
        work=lambda partner, day: services.renewal_send_notices(partner=partner, today=day),
    )


@shared_task(name="renewals.tasks.deactivate_lapsed_licences")
def deactivate_lapsed_licences(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="deactivate_lapsed_licences",
        today=today,
        work=lambda partner, day: services.subscription_deactivate_lapsed(partner=partner, today=day),
    )


def recipients(customer) -> list[tuple[str, str, bool]]:
    """(address, language, is_account_manager): the customer's admin (or, before the invitation
    was accepted, its primary contact in the partner's language) and its account manager."""
    admin = customer.admin_user
    people = [(admin.email, admin.language, False) if admin else (customer.contact_email,
                                                                    customer.partner.language, False)]
    if customer.account_manager is not None:
        people.append((customer.account_manager.email, customer.account_manager.language, True))
    return people


def _send_to_everyone(customer, template: str, context: dict) -> int:
    context = {"customer": customer, "partner": customer.partner,
               "access_ends_on": access_ends_on(customer.anniversary), **context}
    return sum(send_templated_mail(to=[address], language=language, template=template,
                                   context={**context, "to_manager": to_manager})
               for address, language, to_manager in recipients(customer))


_CUSTOMER = ("customer__partner", "customer__admin_user", "customer__account_manager")


@mail_task(name="renewals.tasks.send_renewal_notice_emails")
def send_renewal_notice_emails(notice_ids: list[int]) -> int:
    """R-6: each notice's e-mails, once: the notice is claimed (`mailed_at`) in the transaction
    that sends them, so a failed send is retried and a sent one never again."""
    sent = 0
    for notice in RenewalNotice.unscoped.filter(pk__in=notice_ids, mailed_at__isnull=True).select_related(*_CUSTOMER):
        with transaction.atomic():
            if not RenewalNotice.unscoped.filter(pk=notice.pk, mailed_at__isnull=True).update(mailed_at=timezone.now()):
                continue
            context = {"kind": notice.kind, "anniversary": notice.anniversary,
                       "access_ends_on": access_ends_on(notice.anniversary)}
            sent += _send_to_everyone(notice.customer, "renewal_notice", context)
    return sent


@mail_task(name="renewals.tasks.send_renewal_emails")
def send_renewal_emails(renewal_id: int) -> int:
    """R-5: the customer's admin and account manager hear that the renewal was processed."""
    renewal = Renewal.unscoped.select_related(*_CUSTOMER).get(pk=renewal_id)
    periods = list(renewal.periods.select_related("subscription__product"))
    return _send_to_everyone(renewal.customer, "renewal_done", {"renewal": renewal, "periods": periods})
