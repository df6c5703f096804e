"""Request field types: bounded texts, postal codes of ASCII digits, times that exist in UTC."""

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from leisure_runtime.request_types import (
    DESCRIPTION_LENGTH,
    NAME_LENGTH,
    Instant,
    LocalizedDescription,
    LocalizedName,
    PostalCode,
)


@pytest.mark.parametrize("model, limit", [(LocalizedName, NAME_LENGTH), (LocalizedDescription, DESCRIPTION_LENGTH)])
def test_localized_texts_are_bounded_in_each_language(model, limit):
    assert model(sv="å" * limit).sv == "å" * limit
    for language in ("fi", "sv", "en"):
        with pytest.raises(ValidationError, match="at most"):
            model(**{language: "x" * (limit + 1)})
    with pytest.raises(ValidationError, match="at least one"):
        model()


@pytest.mark.parametrize("code", ["０２１００", "٠٢١٠٠", "𝟎𝟐𝟏𝟎𝟎", "0210", "021000", " 2100"])
def test_a_postal_code_is_five_ascii_digits(code):
    with pytest.raises(ValidationError):
        TypeAdapter(PostalCode).validate_python(code)
    assert TypeAdapter(PostalCode).validate_python("02100") == "02100"


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_outside_the_utc_calendar_is_refused(text):
    with pytest.raises(ValidationError, match="outside the years 1-9999 in UTC"):
        TypeAdapter(Instant).validate_python(text)


def test_a_time_in_the_utc_calendar_keeps_its_offset():
    given = TypeAdapter(Instant).validate_python("0001-01-01T14:00:00+14:00")
    assert given.utcoffset() == timedelta(hours=14)
    assert given == datetime(1, 1, 1, tzinfo=timezone.utc)
