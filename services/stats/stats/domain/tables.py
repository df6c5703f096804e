"""An answer as a table of counts, and the sums that tie its cells together.

A cell is a (row, column) position; the totals row has no key (`TOTALS`). Each `Line` says that
its members add up to its total: these are exactly the relations a reader can use to subtract,
so suppression works on them and on nothing else.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

RowKey = tuple[str, ...]
TOTALS: RowKey = ()
Position = tuple[RowKey, str]


@dataclass(frozen=True)
class Line:
    members: tuple[Position, ...]
    total: Position


@dataclass
class Table:
    dimensions: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[RowKey]
    counts: dict[Position, int]
    """Every published count, totals included: each one is a number of holders, uses or tickets."""
    lines: list[Line] = field(default_factory=list)
    has_totals: bool = False
    figures: dict[Position, float | int | None] = field(default_factory=dict)
    """Published numbers that count no one (places an offer has): never suppressed."""


def build_table(
    dimensions: Sequence[str],
    columns: Sequence[str],
    rows: Mapping[RowKey, Mapping[str, int]],
    *,
    row_total: str | None = None,
    parts: Sequence[str] = (),
    column_totals: bool = True,
) -> Table:
    """A table of counts: `rows` by key, each column summed into a totals row if `column_totals`
    (only where each counted thing falls in one row); `row_total` is the column holding the sum of
    `parts` in each row (only where each counted thing falls in one of those columns)."""
    keys = sorted(rows)
    counts: dict[Position, int] = {}
    for key in keys:
        for column in columns:
            counts[(key, column)] = int(rows[key].get(column, 0))
    if row_total is not None:
        for key in keys:
            counts[(key, row_total)] = sum(counts[(key, part)] for part in parts)
    all_columns = tuple(columns) + ((row_total,) if row_total else ())
    lines: list[Line] = []
    if column_totals:
        for column in all_columns:
            counts[(TOTALS, column)] = sum(counts[(key, column)] for key in keys)
            lines.append(Line(tuple((key, column) for key in keys), (TOTALS, column)))
    if row_total is not None:
        for key in keys + ([TOTALS] if column_totals else []):
            lines.append(Line(tuple((key, part) for part in parts), (key, row_total)))
    return Table(tuple(dimensions), all_columns, keys, counts, lines, has_totals=column_totals)
