"""U-1 over every main page, for each kind of user, in a real browser on the demo data: each page
fits a 390 px phone and a 1280 px laptop without horizontal scrolling (wide tables scroll inside
their own box), and axe-core finds no serious or critical WCAG 2.1 AA violation."""

import pytest
from django.core.management import call_command

from tests.browser.pages import ROLES, SIGNED_OUT, axe_violations, describe, horizontal_overflow, main_pages, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (390, 1280)


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    return live_server.url


def _check(page, base_url: str, paths: list[str], problems: dict) -> None:
    for path in paths:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(base_url + path)
            key = f"{path} @{width}"
            if response.status >= 400:
                problems[key] = f"HTTP {response.status}"
                continue
            if overflow := horizontal_overflow(page):
                problems[key] = f"{overflow} px wider than the screen"
            if violations := axe_violations(page):
                problems[f"{key} axe"] = violations


@pytest.mark.parametrize("email", list(ROLES))
def test_u1_every_main_page_fits_390_and_1280_px_and_passes_axe(demo, new_page, email):
    page = new_page()
    sign_in(page, demo, email)
    paths = main_pages(page, demo, ROLES[email])
    problems: dict = {}
    _check(page, demo, paths, problems)
    assert len(paths) >= len(ROLES[email])
    assert problems == {}, describe(problems)


def test_u1_signed_out_pages_fit_and_pass_axe(demo, new_page):
    problems: dict = {}
    _check(new_page(), demo, SIGNED_OUT, problems)
    assert problems == {}, describe(problems)
