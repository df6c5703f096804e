"""An answer as a table of tallies before publication: rows by key, columns, and the totals the
table adds up. A cell is a (row, column) position; the totals row has no key (`TOTALS`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stats.domain.perturbation import NOTHING, Tally

RowKey = tuple[str, ...]
TOTALS: RowKey = ()
Position = tuple[RowKey, str]


@dataclass
class Table:
    dimensions: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[RowKey]
    tallies: dict[Position, Tally]
    """Every count to publish, totals included: each one counts holders, uses or tickets."""
    has_totals: bool = False
    figures: dict[Position, float | int | None] = field(default_factory=dict)
    """Published numbers that count no one (places an offer has): never perturbed."""

    @property
    def counts(self) -> dict[Position, int]:
        return {position: tally.count for position, tally in self.tallies.items()}


def build_table(
    dimensions: Sequence[str],
    columns: Sequence[str],
    rows: Mapping[RowKey, Mapping[str, Tally]],
    *,
    row_total: str | None = None,
    parts: Sequence[str] = (),
    column_totals: bool = True,
) -> Table:
    """A table of tallies: `rows` by key, each column summed into a totals row if `column_totals`
    (only where each counted record falls in one row); `row_total` is the column holding the sum
    of `parts` in each row (only where each counted record falls in one of those columns). The
    sums add the records' keys too, so a total is perturbed as a cell of all its records."""
    keys = sorted(rows)
    tallies: dict[Position, Tally] = {}
    for key in keys:
        for column in columns:
            tallies[(key, column)] = rows[key].get(column, NOTHING)
    all_columns = tuple(columns) + ((row_total,) if row_total else ())
    if column_totals:
        for column in columns:
            tallies[(TOTALS, column)] = sum((tallies[(key, column)] for key in keys), NOTHING)
    if row_total is not None:
        for key in keys + ([TOTALS] if column_totals else []):
            tallies[(key, row_total)] = sum((tallies[(key, part)] for part in parts), NOTHING)
    return Table(tuple(dimensions), all_columns, keys, tallies, has_totals=column_totals)
