"""T-7 time-zone choices people can find: the partner's likely zones first, then every IANA zone
grouped by region, each with its current UTC offset (a <select> with <optgroup>s, typed into to
search; portal.js adds a filter box)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from django.utils.translation import gettext_lazy as _

ZONES = sorted(available_timezones())
# Zones most partners of a language are in, in the order offered.
LIKELY = {
    "ja": ["Asia/Tokyo"],
    "fr": ["Europe/Paris", "Europe/Brussels", "Europe/Luxembourg", "Europe/Zurich", "America/Montreal",
           "Africa/Casablanca"],
    "sv": ["Europe/Stockholm", "Europe/Helsinki", "Europe/Oslo", "Europe/Copenhagen"],
    "en": ["UTC", "Europe/London", "America/New_York", "America/Chicago", "America/Los_Angeles",
           "Australia/Sydney", "Asia/Singapore"],
}
REGIONS = {"Africa": _("Africa"), "America": _("Americas"), "Antarctica": _("Antarctica"), "Arctic": _("Arctic"),
           "Asia": _("Asia"), "Atlantic": _("Atlantic"), "Australia": _("Australia"), "Europe": _("Europe"),
           "Indian": _("Indian Ocean"), "Pacific": _("Pacific")}


def _label(zone: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"{zone.replace('_', ' ')} (UTC{offset[:3]}:{offset[3:]})"


def time_zone_choices(*, language: str = "", current: str = "") -> list:
    now = datetime.now(ZoneInfo("UTC"))
    suggested = list(dict.fromkeys(z for z in [current, *LIKELY.get(language, []), *LIKELY["en"]] if z in ZONES))
    groups: dict[str, list] = {}
    for zone in ZONES:
        region = zone.split("/", 1)[0] if "/" in zone else ""
        groups.setdefault(region if region in REGIONS else "", []).append((zone, _label(zone, now)))
    choices = [(_("Suggested"), [(zone, _label(zone, now)) for zone in suggested])]
    choices += [(REGIONS[region], groups[region]) for region in REGIONS if region in groups]
    choices.append((_("Other"), groups.get("", [])))
    return choices
