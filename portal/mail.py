"""E-mails to a partner's billing contact, in the partner's language (B-4, B-7, T-4)."""

from __future__ import annotations

import functools
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context
from django.template.loader import get_template
from django.utils import translation

from portal.tenancy.models import BillingContact, Partner

# E-mail tasks retry what the mail server may recover from, a few times, backing off.
mail_task = functools.partial(shared_task, autoretry_for=(ConnectionError, SMTPException), max_retries=3,
                              retry_backoff=True)


def render_mail_text(template_name: str, context: dict) -> str:
    """A plain-text e-mail part: never HTML-escaped (a company "A & B" stays "A & B")."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def render_mail_subject(template_name: str, context: dict) -> str:
    """A subject on one line: line breaks and runs of spaces (from a name typed with a CR/LF, say)
    become single spaces, so a header can never be split or injected."""
    return " ".join(render_mail_text(template_name, context).split())


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
        subject = render_mail_subject(f"emails/{template}_subject.txt", context)
        body = render_mail_text(f"emails/{template}_body.txt", context)
    message = EmailMessage(subject, body, to=to)
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    return message.send()


def send_partner_mail(*, partner: Partner, template: str, context: dict,
                      attachments: list[tuple[str, bytes, str]] = ()) -> int:
    """A message to every billing-contact address of the partner, in the partner's language."""
    return send_templated_mail(to=billing_addresses(partner), language=partner.language, template=template,
                               context={"partner": partner, **context}, attachments=attachments)
