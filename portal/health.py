"""Health endpoints for operations (U-5), used by docker-compose.yml's healthchecks.

    /healthz  the process answers (touches no database)                         200
    /readyz   database reachable, every migration applied, broker reachable      200, else 503

Both are unauthenticated and answer with an empty body: what is wrong goes to the log, never to
the caller. `HealthMiddleware` answers them before every other middleware, so no host check,
HTTPS redirect, session or tenant lookup stands between a container's own healthcheck on
localhost and the answer.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse

logger = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2


def migrations_pending() -> bool:
    """True when the database lacks a migration the code has (a fresh database, a deploy whose
    `migrate` has not run yet)."""
    loader = MigrationExecutor(connection).loader
    # Every migration, not only the leaves: a plan towards applied leaves skips a missing one below them.
    return bool(set(loader.graph.nodes) - set(loader.applied_migrations))


def _broker_reachable() -> bool:
    from portal.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                     timeout=BROKER_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 — any failure means "not ready"; the log says which
        logger.warning("readyz: broker unreachable", exc_info=True)
        return False
    return True


def readiness_problems() -> list[str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("readyz: database unreachable", exc_info=True)
        return ["database"]
    problems = []
    if migrations_pending():
        logger.warning("readyz: migrations not applied")
        problems.append("migrations")
    if not _broker_reachable():
        problems.append("broker")
    return problems


class HealthMiddleware:
    """First in MIDDLEWARE: answers /healthz and /readyz, passes everything else on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse(status=200)
        if request.path == "/readyz":
            return HttpResponse(status=503 if readiness_problems() else 200)
        return self.get_response(request)
