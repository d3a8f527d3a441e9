"""U-1: one status palette by meaning, the same in every list, always with the text label.

    ok        green  ✓  works / done well: Active code, Completed order, Paid invoice, Ordered PA
    waiting   blue   ●  nothing to do yet, someone else acts: Issued (unpaid, not yet due) invoice,
                        Pending PA, request pending validation, not started (R-2 blue)
    attention orange ●  act soon: ends in less than 3 months (R-2 orange), a rejected request
    urgent    red    ●  past its date, act now: Overdue invoice or PA, end date passed (R-2 red)
    ended     grey   ○  over, nothing more to do: Used, Expired, Cancelled, Returned, Replaced

R-2's renewal colours keep their names and meaning (renewals.selectors.Colour) and are drawn with
the same tones. The badges are `<span class="status status-<value>">Label</span>` (the mark is
drawn by CSS); static/css/portal.css lists each status class under its tone and
tests/portal/test_status_palette.py keeps the two in step with this table.
"""

from __future__ import annotations

OK, WAITING, ATTENTION, URGENT, ENDED = "ok", "waiting", "attention", "urgent", "ended"
TONES = (OK, WAITING, ATTENTION, URGENT, ENDED)

# A status value means the same everywhere it appears, except where a list names its own context
# (the CSS scope in the key): a certificate request's "Issued" is done, an invoice's is waiting.
# Values, not the apps' TextChoices: portal/ never imports a domain app (the test does the check).
STATUS_TONES: dict[str, dict[str, str]] = {
    "": {
        "active": OK, "completed": OK, "paid": OK, "ordered": OK, "accepted": OK, "done": OK,
        "pending": WAITING, "issued": WAITING, "return_requested": WAITING, "sent": WAITING, "queued": WAITING,
        "running": WAITING,
        "rejected": ATTENTION,
        "overdue": URGENT, "failed": URGENT,
        "cancelled": ENDED, "used": ENDED, "expired": ENDED, "replaced": ENDED, "returned": ENDED, "revoked": ENDED,
        "inactive": ENDED,
    },
    "certificate-requests": {"issued": OK},
}

# R-2's colours (renewals.selectors.Colour) on the same tones.
COLOUR_TONES = {"green": OK, "blue": WAITING, "orange": ATTENTION, "red": URGENT, "none": ENDED}


def status_tone(value: str, context: str = "") -> str:
    return STATUS_TONES.get(context, {}).get(value) or STATUS_TONES[""][value]
