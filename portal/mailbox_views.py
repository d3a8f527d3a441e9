"""/dev/mail/: the messages a local run sent (portal.mailbox), for operator staff, in DEBUG only."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views import View

from .mailbox import mailbox_attachment, mailbox_list, mailbox_read
from .tenancy.mixins import OperatorRequiredMixin


class _LocalOnly(OperatorRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not (settings.DEBUG and getattr(settings, "PORTAL_MAILBOX_DIR", None)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class MailboxView(_LocalOnly):
    def get(self, request):
        return render(request, "dev/mailbox.html", {"messages_sent": mailbox_list()})


class MailboxMessageView(_LocalOnly):
    def get(self, request, name: str):
        try:
            message = mailbox_read(name)
        except FileNotFoundError:
            raise Http404 from None
        return render(request, "dev/mail_message.html", {"mail": message})


class MailboxAttachmentView(_LocalOnly):
    def get(self, request, name: str, index: int):
        try:
            filename, content, content_type = mailbox_attachment(name, index)
        except (FileNotFoundError, IndexError):
            raise Http404 from None
        response = HttpResponse(content if isinstance(content, bytes) else content.encode(),
                                content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
