"""Figures as JSON answers: suppression applied, suppressed cells shown as such."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from stats.application.figures import Scope
from stats.domain.suppression import Cell, protect
from stats.domain.tables import TOTALS, Position, RowKey, Table


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")


class Row(BaseModel):
    key: dict[str, str]
    cells: dict[str, Cell]


class Answer(BaseModel):
    figure: str
    period: PeriodOut
    region: str | None = Field(description="None: the whole country")
    programme_id: str | None
    municipality: str | None = None
    threshold: int = Field(description="Counts below this are suppressed, and so are cells that would reveal them")
    dimensions: list[str]
    columns: list[str]
    rows: list[Row]
    total: dict[str, Cell] | None


class ProtectedTable:
    """A table with the positions suppression hides."""

    def __init__(self, table: Table, threshold: int) -> None:
        self.table = table
        self.hidden = protect(table, threshold)

    def cell(self, position: Position) -> Cell:
        if position in self.table.figures:
            return Cell(value=self.table.figures[position], suppressed=False)
        if position in self.hidden:
            return Cell(value=None, suppressed=True)
        return Cell(value=self.table.counts[position], suppressed=False)

    def cells(self, row: RowKey) -> dict[str, Cell]:
        columns = [*self.table.columns, *(c for r, c in self.table.figures if r == row and c not in self.table.columns)]
        return {column: self.cell((row, column)) for column in columns}


def with_share(cells: dict[str, Cell]) -> dict[str, Cell]:
    """Reach: users as a share of holders, only where both are shown (else the share would reveal)."""
    users, holders = cells["users"], cells["holders"]
    if users.suppressed or holders.suppressed or not holders.value:
        return cells | {"share": Cell(value=None, suppressed=True)}
    return cells | {"share": Cell(value=round(users.value / holders.value, 4), suppressed=False)}


def answer(figure: str, table: Table, scope: Scope, threshold: int, decorate=None) -> Answer:
    protected = ProtectedTable(table, threshold)
    decorate = decorate or (lambda cells: cells)
    rows = [Row(key=dict(zip(table.dimensions, key)), cells=decorate(protected.cells(key))) for key in table.rows]
    total = decorate(protected.cells(TOTALS)) if table.has_totals else None
    columns = list(next(iter(rows)).cells) if rows else list(table.columns)
    return Answer(
        figure=figure, period=PeriodOut(start=scope.period.start, end=scope.period.end), region=scope.region,
        programme_id=scope.programme_id, municipality=scope.municipality, threshold=threshold,
        dimensions=list(table.dimensions), columns=columns, rows=rows, total=total,
    )
