"""U-5 local runs: e-mails are kept as files a person can open, one console line each, and listed
for operator staff at /dev/mail/ with their links and attachments, in DEBUG only."""

import pytest
from django.core.mail import EmailMessage
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.mailbox.LocalMailboxBackend"
    settings.PORTAL_MAILBOX_DIR = str(tmp_path)
    settings.DEBUG = True
    return tmp_path


def _send():
    message = EmailMessage("Your invitation", "Accept it at http://127.0.0.1:8000/invitation/abc/ today.\n",
                           to=["ken@kobe.test"])
    message.attach("INV000001-invoice.pdf", b"%PDF-1.7 fake", "application/pdf")
    return message.send()


def test_u5_each_mail_is_a_file_and_one_console_line(mailbox, capsys):
    assert _send() == 1
    [path] = list(mailbox.iterdir())
    assert path.suffix == ".eml" and b"Subject: Your invitation" in path.read_bytes()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ken@kobe.test — Your invitation (1 attachment(s))" in err[0]


def test_u5_operator_reads_mails_links_and_attachments(mailbox, operator):
    _send()
    [path] = list(mailbox.iterdir())
    client = client_for(operator)
    listing = client.get(reverse("dev_mailbox")).content.decode()
    assert "Your invitation" in listing and "ken@kobe.test" in listing
    message = client.get(reverse("dev_mail", args=[path.name])).content.decode()
    assert '<a href="http://127.0.0.1:8000/invitation/abc/">' in message
    attachment = client.get(reverse("dev_mail_attachment", args=[path.name, 0]))
    assert (attachment.content, attachment["Content-Type"]) == (b"%PDF-1.7 fake", "application/pdf")
    assert client.get(reverse("dev_mail", args=["..%2Fsecret.eml"])).status_code == 404
    assert client.get("/dev/mail/../").status_code == 404
    assert client.get(reverse("dev_mail_attachment", args=[path.name, 5])).status_code == 404


def test_u5_mailbox_is_for_operator_staff_in_debug_only(mailbox, settings, operator, admin_user):
    _send()
    assert client_for(admin_user).get(reverse("dev_mailbox")).status_code == 403
    settings.DEBUG = False
    assert client_for(operator).get(reverse("dev_mailbox")).status_code == 404
