"""U-1: every page's browser title is its own name and the portal's, as plain text: a title
block that swallowed markup (an include in the wrong block) shows HTML in the tab and in
bookmarks. Swept over every route without arguments, as a partner admin and as operator staff."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _plain_routes(patterns, prefix="") -> list[str]:
    paths = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's own admin pages
            paths += _plain_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and not entry.pattern.regex.groupindex:
            path = prefix + str(entry.pattern)
            if not any(char in path for char in "^$()[]?*+\\"):  # a plain path, not a regex
                paths.append("/" + path)
    return paths


def _titles(client) -> dict[str, str]:
    titles = {}
    for path in _plain_routes(get_resolver().url_patterns):
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found = TITLE.search(response.content.decode())
            titles[path] = found.group(1) if found else ""
    return titles


@pytest.mark.parametrize("who", ["partner admin", "operator staff"])
def test_u1_every_page_title_is_plain_text_naming_the_page(who, admin_client, operator):
    titles = _titles(admin_client if who == "partner admin" else client_for(operator))
    assert len(titles) >= 10, titles  # the sweep reached the pages
    for path, title in titles.items():
        assert title.strip() and "<" not in title and ">" not in title, (path, title)
        assert "Partner Portal" in title, (path, title)
    if who == "partner admin":
        assert titles["/billing/invoices/"].strip() == "Orders and invoices · Partner Portal"
