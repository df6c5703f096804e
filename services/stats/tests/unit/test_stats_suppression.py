"""Suppression holds against subtraction: an attacker who knows every shown cell and total of an
answer, and that counts are whole and not negative, cannot pin down any suppressed cell."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from stats.domain.suppression import protect, shown
from stats.domain.tables import TOTALS, build_table

THRESHOLD = 5


def equations(table, hidden):
    """Each line as (coefficients over hidden positions, constant): sum(coef * x) = constant."""
    result = []
    for line in table.lines:
        coefficients, constant = {}, 0
        for position, sign in [*((m, 1) for m in line.members), (line.total, -1)]:
            if position in hidden:
                coefficients[position] = coefficients.get(position, 0) + sign
            else:
                constant -= sign * table.counts[position]
        if coefficients:
            result.append((coefficients, constant))
    return result


def rank(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows]
    rank_found, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in range(rank_found, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank_found], rows[pivot] = rows[pivot], rows[rank_found]
        for r in range(len(rows)):
            if r != rank_found and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank_found][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank_found])]
        rank_found += 1
    return rank_found


def solved_by_linear_algebra(table, hidden) -> set:
    """Hidden cells the sums determine: dropping such a cell's column lowers the rank."""
    unknowns = sorted(hidden, key=repr)
    system = equations(table, hidden)
    matrix = [[Fraction(c.get(u, 0)) for u in unknowns] for c, _ in system]
    full = rank(matrix) if matrix else 0
    return {u for n, u in enumerate(unknowns)
            if matrix and rank([row[:n] + row[n + 1:] for row in matrix]) < full}


def solved_by_bounds(table, hidden) -> set:
    """Hidden cells pinned by narrowing each one's range line by line (counts are never negative)."""
    low = {p: 0 for p in hidden}
    high = {p: float("inf") for p in hidden}
    system = equations(table, hidden)
    for _ in range(50):
        changed = False
        for coefficients, constant in system:
            for p, coef in coefficients.items():
                others = [(q, c) for q, c in coefficients.items() if q != p]
                # coef * x_p = constant - sum(c * x_q); coefficients are +1 or -1
                rest_low = sum(c * (low[q] if c > 0 else high[q]) for q, c in others)
                rest_high = sum(c * (high[q] if c > 0 else low[q]) for q, c in others)
                bounds = sorted(((constant - rest_high) / coef, (constant - rest_low) / coef))
                new_low, new_high = max(low[p], bounds[0]), min(high[p], bounds[1])
                if (new_low, new_high) != (low[p], high[p]):
                    low[p], high[p], changed = new_low, new_high, True
        if not changed:
            break
    return {p for p in hidden if low[p] == high[p]}


def uses_table(rows):
    return build_table(("category",), ("visits", "children_tickets"),
                       {(name,): dict(zip(("visits", "children_tickets"), values)) for name, values in rows.items()},
                       row_total="tickets", parts=("visits", "children_tickets"))


def test_primary_suppression_alone_gives_a_small_cell_away_to_subtraction():
    table = build_table(("category",), ("visits",), {("culture",): {"visits": 3}, ("sport",): {"visits": 10},
                                                     ("course",): {"visits": 12}})
    primary_only = {p for p, count in table.counts.items() if count < THRESHOLD}
    assert solved_by_bounds(table, primary_only) == {(("culture",), "visits")}  # 25 - 10 - 12 = 3

    hidden = protect(table, THRESHOLD)
    assert (("culture",), "visits") in hidden and len(hidden) >= 2
    assert not solved_by_bounds(table, hidden)
    assert not solved_by_linear_algebra(table, hidden)


def test_small_hidden_cells_are_not_left_to_add_up_to_a_small_number():
    table = build_table(("gender",), ("users",), {("female",): {"users": 1}, ("male",): {"users": 2},
                                                  ("other",): {"users": 9}, ("not_told",): {"users": 7}})
    hidden = protect(table, THRESHOLD)
    assert (("other",), "users") in hidden or (("not_told",), "users") in hidden
    assert sum(table.counts[p] for p in hidden) >= THRESHOLD
    assert not solved_by_bounds(table, hidden)


def test_a_zero_counts_no_one_and_is_shown():
    table = build_table(("gender",), ("users",), {("female",): {"users": 0}, ("male",): {"users": 12}})
    assert protect(table, THRESHOLD) == frozenset()


def test_a_hidden_cell_of_a_table_with_row_and_column_totals_cannot_be_recovered():
    table = uses_table({"culture": (40, 2), "sport": (25, 12), "course": (9, 0)})
    hidden = protect(table, THRESHOLD)
    assert (("culture",), "children_tickets") in hidden and (("course",), "children_tickets") not in hidden
    assert not solved_by_bounds(table, hidden)
    assert not solved_by_linear_algebra(table, hidden)
    assert table.counts[(TOTALS, "tickets")] == 88


counts = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 30])


@settings(max_examples=120, deadline=None)
@given(st.integers(2, 6), st.integers(2, 5), st.booleans(), st.data())
def test_no_suppressed_cell_can_be_recovered_from_any_table(height, width, with_row_totals, data):
    columns = tuple("abcde"[:width])
    rows = {(f"r{n}",): {c: data.draw(counts) for c in columns} for n in range(height)}
    table = build_table(("row",), columns, rows, row_total="all" if with_row_totals else None, parts=columns)
    hidden = protect(table, THRESHOLD)
    assert {p for p, count in table.counts.items() if 0 < count < THRESHOLD} <= hidden
    assert not solved_by_linear_algebra(table, hidden)
    assert not solved_by_bounds(table, hidden)


def test_a_single_count_without_totals_is_shown_only_from_the_threshold_up():
    assert shown(4).suppressed and shown(4).value is None
    assert shown(5).value == 5
    assert shown(6, threshold=10).suppressed
