"""Personal data is refused before anything else looks at a request: a card request may carry only
the fields the service knows, and no text that looks like an identity code, a phone number or an
e-mail address. The refusal names the fields, never their values."""

import re

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from leisure_runtime.errors import Rejected

_LOOKS_PERSONAL = (
    re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]", re.IGNORECASE),  # henkilötunnus, e.g. 010190-123A
    re.compile(r"(\+\d{1,3}|(?<![\w-])0)[\d \-()]{6,}\d"),  # phone numbers: +358 40 123 4567, 040-1234567
    re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+"),  # e-mail addresses
    # street addresses, e.g. Mannerheimintie 12 B, Storgatan 3
    re.compile(r"\w*(tie|katu|kuja|polku|väylä|kaari|rinne|ranta|gatan|vägen|gränd|street|road)\s+\d",
               re.IGNORECASE),
)
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class PersonalDataRefused(Rejected):
    def __init__(self, fields: list[str]) -> None:
        super().__init__(
            "personal_data_not_accepted",
            f"personal data is not accepted: remove {', '.join(fields)}. A card needs only the programme, "
            "the confirmed criteria and the holder's background (age, gender, mother tongue, "
            "life situation, postal code, children under 16); never a name, identity code, phone "
            "number, e-mail or address.",
        )
        self.fields = fields


def refuse_personal_data(body: object, model: type[BaseModel]) -> None:
    fields = personal_fields(body, model)
    if fields:
        raise PersonalDataRefused(fields)


def personal_fields(body: object, model: type[BaseModel], path: str = "") -> list[str]:
    """Paths of the fields in `body` that `model` does not know or whose text looks personal."""
    if not isinstance(body, dict):
        return []
    found = []
    for key, value in body.items():
        where = f"{path}{_name(key)}"
        field = model.model_fields.get(key)
        if field is None:
            found.append(where)
        elif isinstance(value, dict) and _is_model(field.annotation):
            found += personal_fields(value, field.annotation, f"{where}.")
        elif not _fits_pattern(field, value):
            found += [f"{where}{suffix}" for suffix, text in _texts(value) if _looks_personal(text)]
    return found


def _fits_pattern(field: FieldInfo, value: object) -> bool:
    """A value the field's own pattern accepts (an id, a postal code) cannot be personal data."""
    patterns = [m.pattern for m in field.metadata if isinstance(getattr(m, "pattern", None), str)]
    return isinstance(value, str) and bool(patterns) and all(re.search(p, value) for p in patterns)


def _name(key: object) -> str:
    """A field name fit to repeat back; a key that is itself personal data is not repeated."""
    key = str(key)
    return key if _FIELD_NAME.match(key) and not _looks_personal(key) else "a field with an unusual name"


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _texts(value: object) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [("", value)]
    if isinstance(value, list):
        return [(f"[{index}]", item) for index, item in enumerate(value) if isinstance(item, str)]
    return []


def _looks_personal(text: str) -> bool:
    return any(pattern.search(text) for pattern in _LOOKS_PERSONAL)
