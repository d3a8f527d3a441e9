"""U-1: the portal has a favicon: pages link the SVG, and /favicon.ico (asked by browsers anyway)
leads to it instead of a 404 in the log."""

from django.test import Client


def test_u1_favicon_linked_and_served(db):
    page = Client().get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    response = Client().get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/favicon.svg")

    from django.contrib.staticfiles import finders

    assert open(finders.find("favicon.svg"), "rb").read().startswith(b"<svg")
