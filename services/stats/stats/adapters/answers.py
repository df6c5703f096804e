"""Figures as JSON answers: every count perturbed by its cell key (stats.domain.perturbation)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from stats.application.figures import Scope
from stats.domain.perturbation import LARGEST_CHANGE, SMALLEST_SHOWN, perturbed
from stats.domain.tables import TOTALS, RowKey, Table


class Cell(BaseModel):
    value: int | float | None


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")


class Row(BaseModel):
    key: dict[str, str]
    cells: dict[str, Cell]


class Protection(BaseModel):
    method: str = "cell-key"
    smallest_shown: int = Field(default=SMALLEST_SHOWN, description="No count from 1 to this less one is shown")
    largest_change: int = Field(default=LARGEST_CHANGE, description="A count of smallest_shown or more moves "
                                                                    "at most this much")


class Answer(BaseModel):
    figure: str
    period: PeriodOut
    region: str | None = Field(description="None: the whole country")
    programme_id: str | None
    municipality: str | None = None
    protection: Protection = Protection()
    dimensions: list[str]
    columns: list[str]
    rows: list[Row]
    total: dict[str, Cell] | None


def cells(table: Table, row: RowKey) -> dict[str, Cell]:
    published = {column: Cell(value=perturbed(table.tallies[(row, column)])) for column in table.columns
                 if (row, column) in table.tallies}
    return published | {column: Cell(value=value) for (r, column), value in table.figures.items() if r == row}


def with_share(published: dict[str, Cell]) -> dict[str, Cell]:
    """Reach: users as a share of holders, both as published (so the share gives nothing more away);
    at most 1, which perturbation alone could overstep."""
    users, holders = published["users"].value, published["holders"].value
    return published | {"share": Cell(value=round(min(1.0, users / holders), 4) if holders else None)}


def with_reach_to_date(published: dict[str, Cell]) -> dict[str, Cell]:
    """Welfare indicators: holders reached to date as a share of the holders to date, both as
    published; at most 1."""
    reached, holders = published["reached_to_date"].value, published["holders_to_date"].value
    return published | {"share_reached_to_date": Cell(value=round(min(1.0, reached / holders), 4) if holders else None)}


def answer(figure: str, table: Table, scope: Scope, decorate=None) -> Answer:
    decorate = decorate or (lambda published: published)
    rows = [Row(key=dict(zip(table.dimensions, key)), cells=decorate(cells(table, key))) for key in table.rows]
    total = decorate(cells(table, TOTALS)) if table.has_totals else None
    columns = list(next(iter(rows)).cells) if rows else list(table.columns)
    return Answer(
        figure=figure, period=PeriodOut(start=scope.period.start, end=scope.period.end), region=scope.region,
        programme_id=scope.programme_id, municipality=scope.municipality,
        dimensions=list(table.dimensions), columns=columns, rows=rows, total=total,
    )
