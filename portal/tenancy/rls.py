"""PostgreSQL row-level security under the ORM's tenant scoping (T-2, defence in depth).

The ORM scopes every query to the request's partner (portal.tenancy.scoping); this makes the
database refuse the rest too. Every tenant table (each TenantModel's, with its `partner_id`) gets a
policy that shows and accepts only rows of the partner named by the transaction's
`app.partner_id` setting, for the application role (settings.PORTAL_DB_APP_ROLE, `portal_app`):
a role that is neither a superuser nor the tables' owner and may not bypass row security.

- Partner pages and API calls (TenantRequiredMixin, TenantAPIMixin) switch their connection to
  that role for the request, with the request's partner and user (`rls_enter`); the connection is
  switched back when the response has been sent (`rls_leave`, on request_finished, after any
  streamed body). A forgotten `.for_tenant()` then still returns nothing of another partner.
- Everything else runs as the connecting role, the owner, which row security does not restrict:
  migrations, Celery jobs, operator screens, the end customers' pages (their own rows across
  partners), the admin.
- The partner table shows the current partner and the partners the signed-in person belongs to
  (the account switcher); memberships show the current partner's and the person's own.

`rls_install` (run after every `migrate`, as the owner) creates the role if needed and (re)creates
the grants and policies, so `make run`'s embedded database, CI's server and docker compose's
database set themselves up, and tables added later are covered by the next migrate.
"""

from __future__ import annotations

import logging

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections
from psycopg import sql

logger = logging.getLogger(__name__)

POLICY = "portal_tenant"
CURRENT_PARTNER = "NULLIF(current_setting('app.partner_id', true), '')::bigint"
CURRENT_USER = "NULLIF(current_setting('app.user_id', true), '')::bigint"


def app_role() -> str:
    return settings.PORTAL_DB_APP_ROLE


def tenant_tables() -> list[str]:
    from .scoping import TenantModel

    return sorted({model._meta.db_table for model in apps.get_models()
                   if issubclass(model, TenantModel) and not model._meta.proxy})


def _policies() -> dict[str, str]:
    """Each table's condition: a row is the current partner's (or, for partners and memberships,
    the signed-in person's own)."""
    conditions = {table: f"partner_id = {CURRENT_PARTNER}" for table in tenant_tables()}
    conditions["tenancy_membership"] = f"partner_id = {CURRENT_PARTNER} OR user_id = {CURRENT_USER}"
    conditions["tenancy_partner"] = (f"id = {CURRENT_PARTNER} OR id IN (SELECT partner_id FROM "  # noqa: S608 (constants)
                                     f"tenancy_membership WHERE user_id = {CURRENT_USER})")
    return conditions


def rls_install(*, using: str = "default", **_kwargs) -> bool:
    """Create the application role and the policies (idempotent). False when it cannot: no role
    configured, or an owner that may not create roles (then the ORM scoping stands alone)."""
    role = app_role()
    if not role:
        return False
    with connections[using].cursor() as cursor:
        exists = cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        if not exists:
            try:
                cursor.execute(sql.SQL("CREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(role)))
            except DatabaseError as error:
                logger.warning("row-level security not installed: cannot create role %s (%s)", role, error)
                return False
        name = sql.Identifier(role)
        cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(name))  # so the owner may SET ROLE to it
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name))
        cursor.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}")
                       .format(name))
        cursor.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name))
        for table, condition in _policies().items():
            ident = sql.Identifier(table)
            cursor.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(ident))
            cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(sql.Identifier(POLICY), ident))
            # The conditions are constants of this module (no input): composed as SQL on purpose.
            cursor.execute(sql.SQL("CREATE POLICY {} ON {} TO {} USING ({}) WITH CHECK ({})").format(
                sql.Identifier(POLICY), ident, name, sql.SQL(condition), sql.SQL(condition)))
    return True


def rls_enter(tenant) -> None:
    """This connection acts as the application role for `tenant`'s partner until `rls_leave`."""
    role = app_role()
    if not role or connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    if getattr(connection, "portal_rls_available", None) is None:  # once per process: was it installed?
        found = connection.connection.execute("SELECT to_regrole(%s) IS NOT NULL", [role]).fetchone()[0]
        connection.portal_rls_available = found
        if not found:
            logger.warning("row-level security is off: role %s does not exist (see portal.tenancy.rls)", role)
    if not connection.portal_rls_available:
        return
    # On the driver's connection: a session setting, not a query of the page (query counts stay the pages').
    connection.connection.execute(
        "SELECT set_config('role', %s, false), set_config('app.partner_id', %s, false), "
        "set_config('app.user_id', %s, false)",
        [role, str(tenant.partner.pk), str(tenant.user.pk) if tenant.user is not None else ""])
    connection.portal_rls = True


def rls_leave(**_kwargs) -> None:
    """Back to the connecting role (on request_started and request_finished)."""
    if not getattr(connection, "portal_rls", False):
        return
    connection.portal_rls = False
    if connection.connection is None:
        return  # closed: its settings went with it
    try:
        connection.connection.execute("SELECT set_config('role', 'none', false), set_config('app.partner_id', '', "
                                      "false), set_config('app.user_id', '', false)")
    except psycopg.Error:  # a failed transaction: its rollback undoes the settings made in it
        pass
