"""Every main page, as each kind of user sees it, for the page-wide browser checks (U-1): the
demo data (every state of orders, codes, customers, invoices …) signed in as each demo role, the
pages reached from the side navigation, the first detail page each list links to, and the
confirmation pages of irreversible actions."""

from __future__ import annotations

import json
from pathlib import Path

from portal.demo import DEMO_PASSWORD

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Who signs in, and the pages they start from (each also visits the first detail page its lists link to).
ROLES = {
    "finance.ja@portal.example": ["/", "/vouchers/", "/vouchers/new/", "/billing/", "/billing/invoices/",
                                  "/billing/quotes/", "/billing/quotes/new/", "/finance/prices/"],
    "admin.fr@portal.example": ["/", "/customers/", "/customers/new/", "/renewals/", "/renewals/pools/",
                                "/account/settings/", "/account/billing-contact/", "/account/users/",
                                "/account/api-keys/", "/account/consent/", "/audit/"],
    "manager.ja@portal.example": ["/customers/", "/renewals/"],
    "reseller.fr@portal.example": ["/", "/customers/", "/renewals/pools/"],
    "customer@portal.example": ["/console/", "/my/requests/"],
    "operator@portal.example": ["/operator/", "/operator/partners/new/", "/operator/certificate-requests/",
                                "/operator/invoices/", "/operator/pools/"],
}
DETAIL_LINKS = ("main table a[href^='/vouchers/']", "main table a[href^='/customers/']",
                "main table a[href^='/billing/invoices/']", "main table a[href^='/billing/quotes/']",
                "main table a[href^='/audit/']", "main a[href^='/console/']", "main a[href^='/operator/partners/']",
                "main a[data-confirm]", "main a[href*='/renew/']")
SIGNED_OUT = ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def main_pages(page, base_url: str, starts: list[str]) -> list[str]:
    """The start pages, then the first link of each kind they show (no downloads)."""
    found = list(starts)
    for path in starts:
        page.goto(base_url + path)
        for selector in DETAIL_LINKS:
            links = page.locator(selector)
            if links.count():
                href = links.first.get_attribute("href")
                if href and href not in found and not href.endswith((".csv", ".pdf")):
                    found.append(href)
    return found


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page. The script is evaluated
    through the DevTools protocol, so the portal's Content-Security-Policy never has to allow it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_AA)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [node["target"] for node in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(problems: dict) -> str:
    return json.dumps(problems, ensure_ascii=False, indent=1)
