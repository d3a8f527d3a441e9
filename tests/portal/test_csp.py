"""Content-Security-Policy on every page, no inline script anywhere, and no cache keeps a voucher
code (issue 10 item 6)."""

import re

import pytest
from django.test import Client

from portal.tenancy.models import User
from tests.portal.formfuzz import crawl
from tests.portal.test_form_fuzz import PEOPLE, demo  # noqa: F401 (fixture)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_u1_every_page_has_a_csp_without_inline_script_and_none_is_needed(demo):  # noqa: F811
    problems, seen = [], 0

    def check(path, response):
        nonlocal seen
        seen += 1
        policy = _directives(response.get("Content-Security-Policy", ""))
        if policy.get("script-src") != ["'self'"] or policy.get("default-src") != ["'self'"]:
            problems.append(f"{path}: policy {policy}")
        html = response.content.decode()
        for pattern, what in ((INLINE_SCRIPT, "inline script"), (HANDLER, "event handler attribute"),
                              (STYLE_ATTR, "style attribute")):
            if pattern.search(html):
                problems.append(f"{path}: {what}: {pattern.search(html)[0][:80]}")

    for email in PEOPLE:
        client = Client()
        if email:
            client.force_login(User.objects.get(email=email))
        crawl(client, demo, on_page=check)
    assert seen > 40 and problems == []


def test_u1_api_docs_load_their_start_up_script_from_a_file(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200 and not INLINE_SCRIPT.search(page.content.decode())
    policy = _directives(page["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and "'unsafe-inline'" in policy["style-src"]
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


@pytest.mark.parametrize("view", ["redeem", "redeem_renewal", "order", "order_csv", "code_pdf", "used_csv",
                                  "api_codes"])
def test_v8_pages_with_codes_are_never_stored(view, partner, finance_client):
    from tests.factories import voucher_code_for

    code = voucher_code_for(partner)
    url = {"redeem": f"/redeem/{code.value}/", "redeem_renewal": f"/redeem/{code.value}/renew/",
           "order": f"/vouchers/{code.order_id}/?show=1", "order_csv": f"/vouchers/{code.order_id}/codes.csv",
           "code_pdf": f"/vouchers/codes/{code.pk}/voucher.pdf", "used_csv": "/vouchers/exports/used-codes.csv",
           "api_codes": f"/api/v1/voucher-codes/{code.pk}/"}[view]
    response = (Client() if view.startswith("redeem") else finance_client).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
