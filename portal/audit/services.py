"""The one audit entry point (T-5): every state change of money, vouchers, codes, PAs, invoices,
prices, credit limits, users and consents calls `audit_record` inside its own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, models

from .models import AuditEntry

if TYPE_CHECKING:
    from portal.tenancy.context import Tenant
    from portal.tenancy.models import Partner, User


def audit_record(
    *,
    action: str,
    obj: models.Model,
    tenant: Tenant | None = None,
    actor: User | None = None,
    partner: Partner | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry. Pass the request's `tenant` (who, on whose behalf, which partner) or,
    outside a tenant (operator screens, jobs), `actor` and `partner`."""
    if tenant is not None:
        actor = tenant.user if tenant.user is not None else actor
        partner = tenant.partner
    return AuditEntry.objects.create(
        partner=partner,
        actor=actor,
        actor_detail=tenant.actor_detail if tenant else "",
        delegated=bool(tenant and tenant.delegated),
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
    )


@dataclass(frozen=True)
class AuditInput:
    """One entry of a set-based change made by a job (no person): see `audit_records`."""

    action: str
    obj: models.Model
    partner: Partner | None = None
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


def audit_records(entries: list[AuditInput], *, actor: User | None = None) -> list[AuditEntry]:
    """Append many entries in one INSERT: the same entries `audit_record` writes one by one, for
    set-based jobs (a month's invoices, the day's overdue invoices)."""
    return AuditEntry.objects.bulk_create([
        AuditEntry(partner=entry.partner, actor=actor, action=entry.action, object_type=entry.obj._meta.label,
                   object_id=str(entry.obj.pk), object_repr=str(entry.obj)[:200], before=_jsonable(entry.before),
                   after=_jsonable(entry.after))
        for entry in entries
    ], batch_size=1000)


def audit_records_sql(rows_sql: str) -> str:
    """The INSERT … SELECT that appends one entry per row of `rows_sql`, by a job (no person), for
    set-based runs whose rows are made in SQL. `rows_sql` selects `partner_id`, `object_id`,
    `object_repr` and `after` (jsonb, values as text as `audit_record` stores them); the action
    and object type are the parameters %(audit_action)s and %(audit_object_type)s. A statement of
    its own (`audit_records_from_sql`) or one step of a caller's data-modifying WITH, where
    `rows_sql` may read the rows an earlier step returned."""
    return f"""
INSERT INTO {AuditEntry._meta.db_table} (partner_id, actor_id, actor_detail, delegated, action, object_type,
    object_id, object_repr, before, after, created_at)
SELECT rows.partner_id, NULL, '', false, %(audit_action)s, %(audit_object_type)s, rows.object_id::text,
       left(rows.object_repr, 200), '{{}}'::jsonb, rows.after, now()
FROM ({rows_sql}) AS rows
"""  # noqa: S608 (the model's table name and the caller's constant SQL; values are bound)


def audit_records_from_sql(*, action: str, object_type: str, rows_sql: str, params: dict) -> int:
    """Append one entry per row of `rows_sql` in one INSERT … SELECT (`audit_records_sql`).
    Returns how many entries were written.

    `rows_sql` is the caller's constant SQL; every value in it is a bound parameter."""
    with connection.cursor() as cursor:
        cursor.execute(audit_records_sql(rows_sql), {**params, "audit_action": action,
                                                     "audit_object_type": object_type})
        return cursor.rowcount


def _jsonable(summary: dict) -> dict:
    return {key: value if isinstance(value, bool | int | float | None) else str(value)
            for key, value in summary.items()}


def changes(instance: models.Model, fields: list[str], old: dict) -> tuple[dict, dict]:
    """(before, after) summaries of the fields that changed."""
    before, after = {}, {}
    for name in fields:
        new_value = getattr(instance, name)
        if old.get(name) != new_value:
            before[name], after[name] = old.get(name), new_value
    return before, after


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    return {name: getattr(instance, name) for name in fields}
