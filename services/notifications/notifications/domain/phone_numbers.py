"""Phone numbers as holders tell them at the desk, kept in one form (E.164) and never shown whole
outside this service's database and its gateway."""

import re

from leisure_runtime.errors import Rejected

_SEPARATORS = re.compile(r"[\s\-().]")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_FINNISH_NATIONAL = re.compile(r"0[1-9][0-9]{5,10}")


def normalised(typed: str) -> str:
    """`040 123 4567`, `+358 40 1234567` or `00358401234567` → `+358401234567`.
    The refusal never repeats what was typed."""
    number = _SEPARATORS.sub("", typed)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif _FINNISH_NATIONAL.fullmatch(number):
        number = "+358" + number[1:]
    if not (number.isascii() and _E164.fullmatch(number)):
        raise Rejected("invalid_phone_number",
                       "the phone number is not one a text message can be sent to: give a Finnish mobile number "
                       "(e.g. 040 123 4567) or an international one starting with + and the country code")
    return number


def from_gateway(msisdn: str | int) -> str:
    """Gateways give the sender as digits with the country code and no plus: 358401234567."""
    digits = str(msisdn).strip().lstrip("+")
    return "+" + digits


def masked(number: str) -> str:
    """Enough to tell two numbers apart at the desk, not enough to call: +35840*****67."""
    return number[:6] + "*" * max(len(number) - 8, 0) + number[-2:]
