"""U-1 / R-2: one status palette by meaning. Every status value of every list has exactly one tone
in portal/status.py, the stylesheet draws each with that tone's colours (and nothing else), and
R-2's renewal colours keep their meaning on the same tones."""

import re
from pathlib import Path

from billing.models import InvoiceStatus
from customers.models import InvitationStatus, PAStatus
from portal.jobs.models import ProgressStatus
from portal.status import COLOUR_TONES, STATUS_TONES, TONES
from renewals.models import SubscriptionStatus
from renewals.selectors import Colour
from vouchers.models import CodeStatus, OrderStatus, RequestStatus

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css").read_text()
CHOICES = (OrderStatus, CodeStatus, RequestStatus, InvoiceStatus, PAStatus, InvitationStatus, SubscriptionStatus,
           ProgressStatus)


def _css_tones() -> dict[str, str]:
    """selector → tone, from the rules that paint a tone's background."""
    found: dict[str, str] = {}
    for selectors, tone in re.findall(r"([^{}]+)\{\s*background: var\(--tone-(\w+)-bg\)", CSS):
        for selector in selectors.split(","):
            selector = selector.strip()
            assert selector not in found, f"{selector} has two tones"
            found[selector] = tone
    return found


def test_u1_every_status_value_has_one_tone_by_meaning():
    values = {value for choices in CHOICES for value in choices.values}
    assert values == set(STATUS_TONES[""]) | {"issued"}
    assert set(STATUS_TONES[""].values()) <= set(TONES)
    assert {STATUS_TONES[""][v] for v in (CodeStatus.ACTIVE, CodeStatus.USED)} == {"ok", "ended"}  # not both green
    assert (STATUS_TONES[""][InvoiceStatus.ISSUED], STATUS_TONES[""][InvoiceStatus.PAID],
            STATUS_TONES[""][InvoiceStatus.OVERDUE]) == ("waiting", "ok", "urgent")


def test_u1_stylesheet_paints_each_status_with_its_tone():
    css = _css_tones()
    expected = {f".status-{value}": tone for value, tone in STATUS_TONES[""].items()}
    expected |= {f".{scope} .status-{value}": tone for scope, tones in STATUS_TONES.items() if scope
                 for value, tone in tones.items()}
    expected |= {f".colour-{colour}": tone for colour, tone in COLOUR_TONES.items()}
    assert css == expected


def test_r2_renewal_colours_keep_their_meaning_on_the_palette():
    assert COLOUR_TONES == {Colour.GREEN: "ok", Colour.BLUE: "waiting", Colour.ORANGE: "attention",
                            Colour.RED: "urgent", "none": "ended"}
