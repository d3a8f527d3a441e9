"""Append-only tables (audit log, balance ledger): rows are written once and never changed.

The model refuses save() of an existing row and delete(); its querysets refuse update() and
delete(); and `append_only_sql(table)` gives a migration's RunSQL pair installing a trigger so
no client can change a row in SQL either.

History records are read-only in the operator's admin (portal/admin_base.py): every append-only
model, and any model that declares `history_record = True` because its rows change only through
their own services (consents, issued invoices, payments). A new model is covered by declaring it.
"""

from typing import ClassVar

from django.db import models

from portal.tenancy.scoping import TenantManager, TenantQuerySet


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be changed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted")


class AppendOnlyManager(TenantManager.from_queryset(AppendOnlyQuerySet)):
    pass


class AppendOnlyMixin(models.Model):
    history_record: ClassVar[bool] = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


def append_only_sql(table: str) -> tuple[str, str]:
    """(forward, backward) SQL for a trigger refusing UPDATE and DELETE on `table`."""
    function = f"{table}_append_only"
    forward = f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return forward, backward


def is_history_record(model) -> bool:
    """True for models whose rows nobody edits or deletes by hand (the admin shows them read-only)."""
    return bool(getattr(model, "history_record", False))


def delete_refused_sql(table: str) -> tuple[str, str]:
    """(forward, backward) SQL for a trigger refusing DELETE on `table` (rows that may change
    through their service but are never removed, such as consents)."""
    function = f"{table}_never_deleted"
    forward = f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{table} rows are never deleted' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {function} BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
    return forward, backward
