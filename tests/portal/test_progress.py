"""U-3: long work's status and file are visible only to roles allowed to see what the file holds."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.api.services import api_key_create
from portal.jobs.models import ProgressStatus
from portal.tenancy.roles import Role
from tests.conftest import client_for, member, tenant_for
from tests.factories import TaskProgressFactory


@pytest.fixture
def finished_pdf(partner, admin_user):
    from django.core.files.base import ContentFile

    progress = TaskProgressFactory(partner=partner, kind="voucher_order_pdf", status=ProgressStatus.DONE,
                                   total=1, done=1, filename="vouchers.pdf", created_by=admin_user)
    progress.file.save("vouchers.pdf", ContentFile(b"%PDF-1.7 codes"), save=True)
    return progress


def test_u3_account_manager_cannot_follow_or_download_a_whole_order_pdf(partner, finished_pdf):
    manager = client_for(member(partner, Role.ACCOUNT_MANAGER))
    assert manager.get(reverse("task_progress", args=[finished_pdf.pk])).status_code == 404
    assert manager.get(reverse("task_download", args=[finished_pdf.pk])).status_code == 404
    assert manager.get("/api/v1/tasks/").json()["results"] == []
    assert manager.get(f"/api/v1/tasks/{finished_pdf.pk}/download/").status_code == 404


def test_u3_finance_follows_and_downloads_in_the_browser_and_the_api(partner, finished_pdf, admin_user):
    finance = client_for(member(partner, Role.PARTNER_FINANCE))
    page = finance.get(reverse("task_progress", args=[finished_pdf.pk]))
    assert page.status_code == 200 and "vouchers.pdf" in page.content.decode()
    assert b"".join(finance.get(reverse("task_download", args=[finished_pdf.pk])).streaming_content) == \
        b"%PDF-1.7 codes"
    _key, raw = api_key_create(tenant=tenant_for(admin_user, partner), name="k", role=Role.PARTNER_FINANCE)
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    status = api.get(f"/api/v1/tasks/{finished_pdf.pk}/").json()
    assert (status["status"], status["percent"]) == ("done", 100)
    download = api.get(status["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 codes"


def test_u3_status_page_leads_back_to_the_order_and_its_title_says_when_done(partner, admin_user):
    running = TaskProgressFactory(partner=partner, kind="voucher_order_pdf", status=ProgressStatus.RUNNING,
                                  total=100, done=40, subject_id="17", created_by=admin_user)
    finance = client_for(member(partner, Role.PARTNER_FINANCE))
    html = finance.get(reverse("task_progress", args=[running.pk])).content.decode()
    assert f'<a href="{reverse("voucher_order", args=[17])}">Back to the order</a>' in html
    assert "<title>40% — preparing your file" in html and 'http-equiv="refresh"' in html
    type(running).objects.for_partner(partner).filter(pk=running.pk).update(
        status=ProgressStatus.DONE, done=100, filename="vouchers-17.pdf")
    html = finance.get(reverse("task_progress", args=[running.pk])).content.decode()
    assert "<title>Ready: vouchers-17.pdf" in html and 'http-equiv="refresh"' not in html
