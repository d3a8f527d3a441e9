"""Each document made once, however many workers share the documents queue.

A worker claims a document before rendering it with a PostgreSQL advisory lock on (kind, id),
held by its database session for as long as it renders: another worker handed the same document
(a redelivered message, a second message for the same document) does not wait, it skips it. The
lock is no record: once it is released the document is stored, and the caller checks the stored
document after taking the lock, so a document rendered before is not rendered again. A worker
that dies loses its session and with it the lock, so a redelivered message can take the document
over at once.

    with document_claim("invoice_documents", invoice.pk) as claimed:
        if claimed:
            ...  # re-read what is stored, render what is missing, store it
"""

from __future__ import annotations

import os
import socket
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

from .models import DocumentRender


def _keys(kind: str, object_id: int) -> tuple[int, int]:
    """pg_try_advisory_lock(int4, int4): the kind's CRC-32 and the id, both as signed 32-bit."""
    def signed(value: int) -> int:
        return (value + 2**31) % 2**32 - 2**31

    return signed(zlib.crc32(kind.encode())), signed(object_id)


@contextmanager
def document_claim(kind: str, object_id: int, *, wait: bool = False) -> Iterator[bool]:
    """Yield True if this worker holds (kind, object_id) for the block, False if another worker
    does. Never waits, unless `wait`: then until the other worker is done, and always True."""
    keys = _keys(kind, object_id)
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", keys)
            claimed = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
            claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        if claimed and connection.connection is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
            except DatabaseError:  # the session is gone, and the lock went with it
                connection.close()


def worker_name() -> str:
    """The Celery node (`-n documents1@host`) and process running this, for the render record."""
    from portal.celery import WORKER_NODE

    node = WORKER_NODE["name"] or socket.gethostname()
    return f"{node}:{os.getpid()}"


@contextmanager
def document_render_recorded(kinds: list[str], subject_id) -> Iterator[None]:
    """Time the block and record that this worker rendered each of `kinds` of `subject_id` in it
    (the block's time shared out evenly)."""
    start = time.perf_counter()
    yield
    seconds, worker = (time.perf_counter() - start) / len(kinds), worker_name()
    DocumentRender.objects.bulk_create([DocumentRender(kind=kind, subject_id=str(subject_id), worker=worker,
                                                       seconds=seconds) for kind in kinds])
