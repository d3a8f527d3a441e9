"""Status transitions: one table of allowed moves per status field, one helper for every move.

    PA_MOVES = Transitions({PAStatus.ORDERED: {PAStatus.PENDING, PAStatus.OVERDUE}, ...},
                           code="pa_state", message=_("… is %(status)s: it cannot change like this."))
    before = transition_apply(obj=pa, to=PAStatus.ORDERED, moves=PA_MOVES, action="pa.ordered",
                              tenant=tenant, changes={"ordered_on": today})

`transition_apply` is a conditional UPDATE (`WHERE pk = … AND status IN (allowed sources)`): of
two concurrent moves of one row exactly one changes it, the other is refused with the table's
error (409) and changes nothing. The audit entry is written in the same transaction, with the
status before and after. `transition_apply_many` moves every row of a queryset that may move
(jobs: expiry, overdue flags) and audits the batch once, or each row. No status is assigned
anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from portal.audit.services import AuditInput, audit_record, audit_records
from portal.errors import PortalError

if TYPE_CHECKING:
    from portal.tenancy.context import Tenant
    from portal.tenancy.models import Partner, User


@dataclass(frozen=True)
class Transitions:
    """`moves` maps each target status to the statuses it may be reached from. `message` may use
    %(status)s, the row's current status label."""

    moves: Mapping[str, Iterable[str]]
    code: str
    message: Any
    field: str = "status"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sources", {str(to): frozenset(map(str, src)) for to, src in self.moves.items()})

    def sources(self, to: str) -> frozenset[str]:
        """The statuses a row may move to `to` from (empty: no such move)."""
        return self._sources.get(str(to), frozenset())

    def allowed(self, current: str, to: str) -> bool:
        return str(current) in self.sources(to)

    def refusal(self, obj: models.Model) -> PortalError:
        label = getattr(obj, f"get_{self.field}_display")()
        return PortalError(self.code, self.message % {"status": label}, status=409)


def transition_apply(*, obj: models.Model, to: str, moves: Transitions, action: str, tenant: Tenant | None = None,
                     actor: User | None = None, partner: Partner | None = None, changes: dict | None = None,
                     audit_after: dict | None = None) -> str:
    """Move `obj` to `to` (with the other column `changes`) if the table allows it from the row's
    status in the database; audit it; refresh `obj`. Returns the status it moved from. Refused
    (409, nothing changed) when the row's status does not allow the move."""
    manager = type(obj)._base_manager
    with transaction.atomic():
        moved = manager.filter(pk=obj.pk, **{f"{moves.field}__in": moves.sources(to)})
        current = moved.select_for_update().values_list(moves.field, flat=True).first()
        if current is None or manager.filter(pk=obj.pk, **{moves.field: current}).update(
                **{moves.field: to}, **(changes or {})) != 1:
            obj.refresh_from_db(fields=[moves.field])
            raise moves.refusal(obj)
        obj.refresh_from_db()
        audit_record(action=action, obj=obj, tenant=tenant, actor=actor, partner=partner or obj.partner,
                     before={moves.field: current}, after={moves.field: to, **(audit_after or {})})
    return current


def transition_apply_many(*, queryset: models.QuerySet, to: str, moves: Transitions, action: str,
                          partner: Partner | None = None, actor: User | None = None, changes: dict | None = None,
                          audit_after: dict | None = None,
                          audit_each: Callable[[models.Model], dict] | None = None) -> int:
    """Move every row of `queryset` whose status allows it to `to`; rows in other statuses are
    left alone. Returns how many rows moved.

    Audit: with `audit_each`, one entry per row moved (before/after status plus
    `audit_each(row)`), the rows locked while they move; otherwise one entry on `partner` for the
    batch (none without a partner: the caller audits the move with its own entry)."""
    movable = queryset.filter(**{f"{moves.field}__in": moves.sources(to)})
    update = {moves.field: to, **(changes or {})}
    if audit_each is None:
        count = movable.update(**update)
        if count and partner is not None:
            audit_record(action=action, obj=partner, partner=partner, actor=actor,
                         after={"count": count, moves.field: to, **(audit_after or {})})
        return count
    with transaction.atomic():
        rows = list(movable.select_for_update().order_by("pk"))
        count = queryset.model._base_manager.filter(pk__in=[row.pk for row in rows]).update(**update)
        audit_records([AuditInput(action=action, obj=row, partner=partner or row.partner,
                                  before={moves.field: getattr(row, moves.field)},
                                  after={moves.field: to, **audit_each(row)}) for row in rows], actor=actor)
    return count
