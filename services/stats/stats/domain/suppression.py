"""Small-cell suppression: a count below the threshold is never shown, so no holder can be
singled out — neither directly nor by subtracting shown cells from shown totals.

Primary suppression hides every count from 1 to threshold - 1. A zero is shown: it counts no one,
so there is no one in it to single out (and hiding every empty cell would hide most of a sparse
table for nothing). Secondary suppression then hides more
cells until, along every line (members and their total):
- no hidden cell stands alone, and the hidden cells together are not a small number (if two
  hidden cells of a row sum to 0, both are known to be 0);
- no hidden cell is determined by the table's sums taken together (a hidden cell that links two
  otherwise separate groups of hidden cells can be computed from the lines around it);
- no hidden cell is pinned by narrowing ranges line by line, knowing counts are never negative
  (a hidden 0 next to hidden cells whose sums leave it no room).
The second check is exact linear algebra on the table's sums; the sums' coefficients are 0 and
±1 and their matrices totally unimodular, so arithmetic modulo a prime gives the rational ranks.
The third is the attack itself: the range each hidden cell can take, narrowed until stable.
"""

from collections.abc import Iterable

from pydantic import BaseModel

from stats.domain.tables import Line, Position, Table

DEFAULT_THRESHOLD = 5
INFINITY = float("inf")
_PRIME = 2_147_483_647


class Cell(BaseModel):
    value: int | float | None
    suppressed: bool


def shown(count: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    if count < threshold:
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)


def protect(table: Table, threshold: int) -> frozenset[Position]:
    """The positions to hide in `table` so no hidden count can be recovered."""
    counts = table.counts
    hidden = {position for position, count in counts.items() if 0 < count < threshold}
    while True:
        more = (_weak_lines(counts, table.lines, hidden, threshold) or _determined(counts, table.lines, hidden)
                or _pinned(counts, table.lines, hidden))
        if more <= hidden:
            return frozenset(hidden)
        hidden |= more


def _weak_lines(counts, lines: list[Line], hidden: set[Position], threshold: int) -> set[Position]:
    for line in lines:
        in_line = (*line.members, line.total)
        hidden_here = [p for p in in_line if p in hidden]
        if not hidden_here or len(hidden_here) == len(in_line):
            continue
        hidden_sum_known = line.total not in hidden
        small_sum = hidden_sum_known and sum(counts[p] for p in hidden_here) < threshold
        if len(hidden_here) == 1 or small_sum:
            return {_cheapest(counts, line, hidden)}
    return set()


def _cheapest(counts, line: Line, hidden: set[Position]) -> Position:
    """The smallest shown member of the line that is not 0 (hiding a 0 adds no doubt), else its
    total: hiding it costs readers least."""
    shown_members = [p for p in line.members if p not in hidden]
    nonzero = [p for p in shown_members if counts[p]]
    if nonzero:
        return min(nonzero, key=lambda p: counts[p])
    if line.total not in hidden or not shown_members:
        return line.total
    return shown_members[0]


def _determined(counts, lines: list[Line], hidden: set[Position]) -> set[Position]:
    unknowns = sorted(hidden, key=repr)
    index = {position: n for n, position in enumerate(unknowns)}
    equations = []
    for line in lines:
        row = {}
        for position, sign in [*((m, 1) for m in line.members), (line.total, -1)]:
            if position in index:
                row[index[position]] = (row.get(index[position], 0) + sign) % _PRIME
        if any(row.values()):
            equations.append(row)
    return _hide_around(counts, lines, hidden, [unknowns[n] for n in _determined_unknowns(equations)])


def _pinned(counts, lines: list[Line], hidden: set[Position]) -> set[Position]:
    low = dict.fromkeys(hidden, 0.0)
    high = dict.fromkeys(hidden, INFINITY)
    for _ in range(100):
        narrowed = False
        for line in lines:
            signed = [*((m, 1) for m in line.members), (line.total, -1)]
            known = sum(sign * counts[p] for p, sign in signed if p not in hidden)
            unknown = [(p, sign) for p, sign in signed if p in hidden]
            # The unknowns' signed sum is -known; each one's range follows from the others' ranges.
            most = _Sum([high[p] if sign > 0 else -low[p] for p, sign in unknown])
            least = _Sum([low[p] if sign > 0 else -high[p] for p, sign in unknown])
            for p, sign in unknown:
                own_most, own_least = (high[p], low[p]) if sign > 0 else (-low[p], -high[p])
                smallest = -known - most.without(own_most)  # of sign * p
                largest = -known - least.without(own_least)
                new_low, new_high = (smallest, largest) if sign > 0 else (-largest, -smallest)
                if new_low > low[p] or new_high < high[p]:
                    low[p], high[p] = max(low[p], new_low), min(high[p], new_high)
                    narrowed = True
        if not narrowed:
            break
    return _hide_around(counts, lines, hidden, [p for p in hidden if low[p] == high[p]])


class _Sum:
    """A sum of terms that may be infinite, from which one term can be taken out again."""

    def __init__(self, terms: list[float]) -> None:
        self.finite = sum(t for t in terms if abs(t) != INFINITY)
        self.up = sum(1 for t in terms if t == INFINITY)
        self.down = sum(1 for t in terms if t == -INFINITY)

    def without(self, term: float) -> float:
        up, down, finite = self.up - (term == INFINITY), self.down - (term == -INFINITY), self.finite
        if abs(term) != INFINITY:
            finite -= term
        if up:
            return INFINITY if not down else float("nan")
        return -INFINITY if down else finite


def _hide_around(counts, lines: list[Line], hidden: set[Position], exposed: list[Position]) -> set[Position]:
    """For each exposed hidden cell, the cheapest shown cell of its lines to hide too."""
    more = set()
    for position in exposed:
        neighbours = [line for line in lines if position in (*line.members, line.total)
                      and any(p not in hidden for p in (*line.members, line.total))]
        if neighbours:
            more.add(min((_cheapest(counts, line, hidden) for line in neighbours), key=lambda p: counts[p]))
    if exposed and not more:  # only hidden cells around it: widen the hiding from the smallest shown
        shown_anywhere = [p for line in lines for p in (*line.members, line.total) if p not in hidden]
        more = {min(shown_anywhere, key=lambda p: counts[p])} if shown_anywhere else set()
    return more


def _determined_unknowns(equations: list[dict[int, int]]) -> Iterable[int]:
    """Unknowns whose unit vector lies in the span of the equations: those rows of the reduced
    row echelon form with a single non-zero entry."""
    rows = [dict(row) for row in equations]
    reduced: list[dict[int, int]] = []
    while rows:
        row = rows.pop()
        row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], -1, _PRIME)
        row = {k: v * inverse % _PRIME for k, v in row.items()}
        for other in rows + reduced:
            factor = other.get(pivot, 0)
            if factor:
                for k, v in row.items():
                    other[k] = (other.get(k, 0) - factor * v) % _PRIME
                    if not other[k]:
                        del other[k]
        reduced.append(row)
    return [next(iter(row)) for row in reduced if len(row) == 1]
