"""E-mails in local runs (`make run`): each message is kept as a file a person can open
(`.local/mail/<time>-<n>.eml`), the console prints one line per message, and operator staff read
them at /dev/mail/ (DEBUG only) with their links and attachments. Production sends by SMTP.

    EMAIL_BACKEND = "portal.mailbox.LocalMailboxBackend"     # portal.settings.local's default
    PORTAL_MAILBOX_DIR = LOCAL_DIR / "mail"
"""

from __future__ import annotations

import email
import email.policy
import itertools
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

_counter = itertools.count(1)
NAME = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9]+-[0-9]+\.eml$")
LINK = re.compile(r"https?://[^\s<>\"']+")


def mailbox_dir() -> Path:
    return Path(settings.PORTAL_MAILBOX_DIR)


class LocalMailboxBackend(BaseEmailBackend):
    """Writes every message to PORTAL_MAILBOX_DIR and prints one line for it (never the body, never
    a base64 attachment)."""

    def send_messages(self, email_messages) -> int:
        folder = mailbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = folder / f"{stamp}-{next(_counter)}-{id(message) % 100000}.eml"
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            attachments = len(message.attachments)
            print(f"mail: {', '.join(message.to)} — {message.subject} ({attachments} attachment(s)) → {path}",
                  file=sys.stderr, flush=True)
            sent += 1
        return sent


@dataclass
class StoredMail:
    name: str
    subject: str
    to: str
    sent_at: datetime | None
    body: str = ""
    links: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def mailbox_list(limit: int = 200) -> list[StoredMail]:
    """The newest messages first (headers only)."""
    folder = mailbox_dir()
    if not folder.is_dir():
        return []
    paths = sorted((p for p in folder.iterdir() if NAME.match(p.name)), key=lambda p: p.stat().st_mtime,
                   reverse=True)[:limit]
    return [mailbox_read(path.name, with_body=False) for path in paths]


def _parsed(name: str):
    if not NAME.match(name) or not (mailbox_dir() / name).is_file():
        raise FileNotFoundError(name)
    return email.message_from_bytes((mailbox_dir() / name).read_bytes(), policy=email.policy.default)


def mailbox_read(name: str, *, with_body: bool = True) -> StoredMail:
    message = _parsed(name)
    date = message["Date"]
    stored = StoredMail(name=name, subject=str(message["Subject"] or ""), to=str(message["To"] or ""),
                        sent_at=date.datetime if date is not None and hasattr(date, "datetime") else None)
    stored.attachments = [part.get_filename() or "attachment" for part in message.iter_attachments()]
    if with_body:
        text = message.get_body(preferencelist=("plain", "html"))
        stored.body = text.get_content() if text is not None else ""
        stored.links = list(dict.fromkeys(LINK.findall(stored.body)))
    return stored


def mailbox_attachment(name: str, index: int) -> tuple[str, bytes, str]:
    """(file name, content, content type) of a message's attachment."""
    part = list(_parsed(name).iter_attachments())[index]
    return part.get_filename() or "attachment", part.get_content(), part.get_content_type()
