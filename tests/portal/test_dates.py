from datetime import UTC, date, datetime

from portal.dates import add_months, add_years, end_of_day, end_of_month, local_today, month_bounds, previous_month


def test_partner_today_follows_its_time_zone():
    moment = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 01:30 on 1 Nov in Tokyo
    assert local_today("Asia/Tokyo", now=moment) == date(2026, 11, 1)
    assert local_today("Europe/Paris", now=moment) == date(2026, 10, 31)


def test_end_of_day_is_the_last_instant_on_the_local_clock():
    moment = end_of_day(date(2024, 10, 10), "Asia/Tokyo")
    assert moment.astimezone(UTC) == datetime(2024, 10, 10, 14, 59, 59, 999999, tzinfo=UTC)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), -2) == date(2025, 11, 15)


def test_add_years_from_29_february():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_end_of_month():
    assert end_of_month(date(2024, 2, 3)) == date(2024, 2, 29)
    assert end_of_month(date(2027, 2, 1)) == date(2027, 2, 28)


def test_month_bounds_in_tokyo():
    start, end = month_bounds(2026, 10, "Asia/Tokyo")
    assert start.astimezone(UTC) == datetime(2026, 9, 30, 15, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)


def test_previous_month_across_new_year():
    assert previous_month(date(2027, 1, 1)) == (2026, 12)


def test_add_days_and_multi_year_terms_across_29_february():
    from portal.dates import add_days, anniversary

    assert add_days(date(2028, 2, 28), 2) == date(2028, 3, 1)
    assert add_days(date(2028, 3, 1), -1) == date(2028, 2, 29)
    assert add_years(date(2026, 11, 21), 3) == date(2029, 11, 21)
    assert (anniversary(date(2028, 2, 29), 4), anniversary(date(2028, 2, 29), 1)) == (date(2032, 2, 29),
                                                                                       date(2029, 3, 1))
