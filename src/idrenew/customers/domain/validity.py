"""Validity periods of resident ID cards (居民身份证法 §5)."""

from __future__ import annotations

from datetime import date

from idrenew.customers.domain.idnumber import age_on


def period_years_for_age(age: int) -> int | None:
    """Years of validity for a card started at ``age``; None means 长期 (no expiry)."""
    if age < 16:
        return 5
    if age <= 25:
        return 10
    if age <= 45:
        return 20
    return None


def expected_end(birth: date, start: date) -> date | None:
    """The end date the law gives a card with this start date (same month and day)."""
    years = period_years_for_age(age_on(birth, start))
    if years is None:
        return None
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # started on 29 February, ends on 28 February
        return start.replace(year=start.year + years, day=28)
