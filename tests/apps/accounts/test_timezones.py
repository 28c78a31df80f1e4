"""Time-zone validation: exact IANA names, and the zone database read once per process (issue 20)."""

import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from apps.accounts import models
from apps.accounts.models import iana_timezones, validate_timezone


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])
def test_it_accepts_iana_zone_names(name):
    validate_timezone(name)


@pytest.mark.parametrize("name", ["Moon/Base", "europe/london", "../../etc/passwd", "", "posixrules", "Europe/"])
def test_it_rejects_anything_else(name):
    with pytest.raises(ValidationError):
        validate_timezone(name)


def test_the_zone_database_is_listed_once_not_per_validation(monkeypatch):
    calls = []
    real = zoneinfo.available_timezones

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(models.zoneinfo, "available_timezones", counting)
    iana_timezones.cache_clear()
    try:
        for _ in range(3):
            validate_timezone("Europe/London")
            with pytest.raises(ValidationError):
                validate_timezone("Moon/Base")
    finally:
        iana_timezones.cache_clear()
    assert len(calls) == 1
