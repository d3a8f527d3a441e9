"""Thin Celery wrappers: load, call the service, return a summary."""

from celery import shared_task
from django.urls import reverse

from portal.jobs.services import run_daily_per_partner
from portal.mail import mail_task, send_templated_mail

from . import services
from .models import Customer, PurchaseAuthorization


@shared_task(name="customers.tasks.flag_overdue_pas")
def flag_overdue_pas(today: str | None = None) -> dict:
    return run_daily_per_partner(
        job="flag_overdue_pas",
        today=today,
        work=lambda partner, day: services.pa_flag_overdue(partner=partner, today=day),
    )


@mail_task(name="customers.tasks.send_invitation_email")
def send_invitation_email(customer_id: int) -> int:
    """C-2: the contact's invitation link (signed, expiring), in the partner's language."""
    customer = Customer.unscoped.select_related("partner").get(pk=customer_id)
    link = reverse("customer_invitation", args=[services.invitation_token(customer)])
    return send_templated_mail(to=[customer.contact_email], language=customer.partner.language, template="invitation",
                               context={"customer": customer, "partner": customer.partner, "path": link})


@mail_task(name="customers.tasks.send_pa_created_emails")
def send_pa_created_emails(pa_id: int) -> int:
    """C-5: the customer hears that products were added; a customer's own request also goes to
    its account manager."""
    pa = PurchaseAuthorization.unscoped.select_related("customer__partner", "customer__account_manager").get(pk=pa_id)
    customer, partner = pa.customer, pa.customer.partner
    context = {"pa": pa, "customer": customer, "partner": partner, "lines": list(pa.lines.select_related("product"))}
    sent = send_templated_mail(to=[customer.contact_email], language=partner.language, template="pa_created",
                               context=context)
    manager = customer.account_manager
    if pa.requested_by_customer and manager is not None:
        sent += send_templated_mail(to=[manager.email], language=manager.language, template="pa_requested",
                                    context=context)
    return sent
