"""T-7: the time-zone selector groups every zone by region, offers the partner's likely zones first
with their UTC offset, and still accepts exactly the IANA zones."""

import pytest
from django.urls import reverse

from portal.tenancy.zones import ZONES, time_zone_choices

pytestmark = pytest.mark.django_db


def test_t7_zones_grouped_by_region_likely_first():
    choices = time_zone_choices(language="fr", current="Asia/Tokyo")
    suggested_label, suggested = choices[0]
    assert str(suggested_label) == "Suggested"
    assert [zone for zone, _label in suggested][:3] == ["Asia/Tokyo", "Europe/Paris", "Europe/Brussels"]
    assert dict(suggested)["Europe/Paris"].startswith("Europe/Paris (UTC+0")
    grouped = {zone for _group, options in choices[1:] for zone, _label in options}
    assert grouped == set(ZONES)
    assert [str(group) for group, _options in choices[1:4]] == ["Africa", "Americas", "Antarctica"]


def test_t7_settings_page_shows_groups_and_still_validates(admin_client, partner):
    html = admin_client.get(reverse("partner_settings")).content.decode()
    assert '<optgroup label="Suggested">' in html and '<optgroup label="Europe">' in html
    assert 'data-searchable="Filter the time zones"' in html
    response = admin_client.post(reverse("partner_settings"), {"currency": partner.currency, "language": "en",
                                                               "time_zone": "Mars/Olympus",
                                                               "low_balance_threshold": "0"})
    assert "time_zone" in response.context["form"].errors
