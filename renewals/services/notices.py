"""R-6 renewal notices: e-mails to the customer's admin and its account manager 30 days before the
anniversary A, on A, and 7 days before access is removed (A + 7), while nothing was renewed.

Each notice is a row, unique per (customer, anniversary, kind), written by one set-based
`INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`: running the job twice, late or concurrently
records each notice once, and only the run that recorded it enqueues its e-mails (after commit, in
batches, never sent inline). A late run sends the notice of the stage the customer is in now, not
the ones it missed; a renewal moves A on, so a renewed customer gets nothing more.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Now

from portal.outbox import outbox_enqueue
from portal.tenancy.models import Partner

from ..models import NoticeKind, RenewalNotice
from ..selectors import has_due_subscription

BATCH = 100


def notice_schedule() -> list[tuple[str, int, int]]:
    """(kind, first day, last day) relative to A: each kind is due from its day until the next
    kind's; the last until access is removed (A + 14)."""
    ready, late = settings.PORTAL_RENEWAL_READY_DAYS, settings.PORTAL_RENEWAL_LATE_DAYS
    final = late - 7
    return [(NoticeKind.READY, -ready, -1), (NoticeKind.DUE, 0, final - 1), (NoticeKind.FINAL, final, late)]


def renewal_send_notices(*, partner: Partner, today: date) -> int:
    """Record the notices due today for the partner's customers; returns how many."""
    from customers.models import Customer

    ids: list[int] = []
    with transaction.atomic():
        for kind, first, last in notice_schedule():
            anniversaries = (today - timedelta(days=last), today - timedelta(days=first))
            due = Customer.objects.for_partner(partner).filter(has_due_subscription(), anniversary__range=anniversaries)
            due = due.order_by().values_list(Value(partner.pk), "pk", "anniversary", Value(kind.value), Now())
            select_sql, params = due.query.sql_with_params()
            table = RenewalNotice._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {table} (partner_id, customer_id, anniversary, kind, created_at) "  # noqa: S608
                               f"{select_sql} ON CONFLICT (customer_id, anniversary, kind) DO NOTHING RETURNING id",
                               params)
                ids += [row[0] for row in cursor.fetchall()]
        _enqueue(ids)
    return len(ids)


def _enqueue(ids: list[int]) -> None:
    from ..tasks import send_renewal_notice_emails

    for start in range(0, len(ids), BATCH):
        outbox_enqueue(send_renewal_notice_emails, ids[start:start + BATCH])
