"""What holders are sent and what their replies mean. Every message says how to stop them."""

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from leisure_contracts.events import OfferPublished

FINLAND = ZoneInfo("Europe/Helsinki")
OPT_OUT_KEYWORDS = frozenset({"STOP", "LOPETA", "SLUTA"})


class Language(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"


_NEW_OFFER = {Language.FI: "Uusi tarjous", Language.SV: "Nytt erbjudande", Language.EN: "New offer"}
_FROM = {Language.FI: "alkaen", Language.SV: "från", Language.EN: "from"}
_HOW_TO_STOP = {Language.FI: "Lopeta viestit: vastaa LOPETA", Language.SV: "Avsluta: svara SLUTA",
                Language.EN: "To stop these messages, reply STOP"}


def with_opt_out(text: str, language: Language) -> str:
    return f"{text}\n{_HOW_TO_STOP[language]}"


def offer_message(offer: OfferPublished, language: Language) -> str:
    """The offer's title in the holder's language (Finnish when it has none), and when it starts."""
    texts = offer.title.model_dump()
    title = texts[language.value] or texts["fi"] or next(text for text in texts.values() if text)
    when = ""
    if offer.starts_at is not None:
        when = f" ({_FROM[language]} {offer.starts_at.astimezone(FINLAND):%d.%m.%Y %H:%M})"
    return with_opt_out(f"{_NEW_OFFER[language]}: {title}{when}", language)


def offer_is_over(offer: OfferPublished, now: datetime) -> bool:
    return offer.ends_at is not None and offer.ends_at <= now


def is_opt_out(reply: str) -> bool:
    """A reply whose first word is a stop keyword, in any case: `lopeta`, `Stop please`."""
    words = reply.strip().split(maxsplit=1)
    return bool(words) and words[0].strip(".!").upper() in OPT_OUT_KEYWORDS
