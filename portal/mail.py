"""E-mails to a partner's billing contact, in the partner's language (B-4, B-7, T-4)."""

from __future__ import annotations

import functools
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from portal.tenancy.models import BillingContact, Partner

# E-mail tasks retry what the mail server may recover from, a few times, backing off.
mail_task = functools.partial(shared_task, autoretry_for=(ConnectionError, SMTPException), max_retries=3,
                              retry_backoff=True)


def billing_addresses(partner: Partner) -> list[str]:
    contact = BillingContact.objects.for_partner(partner).first()
    return list(contact.emails) if contact else []


def send_templated_mail(*, to: list[str], language: str, template: str, context: dict,
                        attachments: list[tuple[str, bytes, str]] = ()) -> int:
    """Render `emails/<template>_subject.txt` and `_body.txt` in `language` and send one message to
    `to`. Returns how many messages went out (0 or 1)."""
    if not to:
        return 0
    context = {"site_url": settings.PORTAL_SITE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}_body.txt", context)
    message = EmailMessage(subject, body, to=to)
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message.send()


def send_partner_mail(*, partner: Partner, template: str, context: dict,
                      attachments: list[tuple[str, bytes, str]] = ()) -> int:
    """A message to every billing-contact address of the partner, in the partner's language."""
    return send_templated_mail(to=billing_addresses(partner), language=partner.language, template=template,
                               context={"partner": partner, **context}, attachments=attachments)
