"""Small-cell suppression: a count below the threshold is never shown, so no holder can be
singled out."""

from pydantic import BaseModel

DEFAULT_THRESHOLD = 5


class Cell(BaseModel):
    value: int | None
    suppressed: bool


def shown(count: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    if count < threshold:
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)
