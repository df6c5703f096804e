"""The yearly report: every figure of one year in one CSV, as the JSON answers give them (the same
suppression), in long form so a spreadsheet can pivot it. Headers and labels are in Finnish and
English; a suppressed count is empty, with suppressed = 1."""

import csv
import io

import asyncpg

from stats.adapters.answers import Answer, answer, with_share
from stats.application import figures
from stats.application.figures import Scope
from stats.domain.dimensions import (
    Background,
    CrossTabMeasure,
    HolderDimension,
    OfferSide,
    QuotaBy,
    RewardsBy,
    UseDimension,
)
from stats.domain.period import Period

HEADERS = ("vuosi / year", "alue / region", "osio / section", "rivi / row", "mittari / measure",
           "luku / count", "suojattu / suppressed")
SECTIONS = {
    "holders": "kortinhaltijat / holders",
    "reach": "tavoittavuus / reach",
    "uses": "käytöt / uses",
    "cross_region_uses": "käytöt toisella alueella / cross-region uses",
    "quota": "kiintiöt / quota",
    "rewards": "palkinnot / rewards",
    "cross_tabulation_uses": "käytöt taustan mukaan / uses by background",
    "cross_tabulation_users": "käyttäjät taustan mukaan / users by background",
}
MEASURES = {
    "issued": "myönnetyt / issued", "active": "voimassa / active", "revoked": "perutut / revoked",
    "renewed": "uusitut / renewed", "users": "käyttäneet / users", "non_users": "ei käyttäneet / non-users",
    "holders": "haltijat / holders", "share": "osuus / share", "visits": "käynnit / visits",
    "children_tickets": "lasten liput / children's tickets", "escort_tickets": "avustajien liput / escort tickets",
    "tickets": "liput yhteensä / all tickets", "taken": "käytetyt paikat / places taken",
    "offered": "tarjotut paikat / places offered", "rewards": "palkinnot / rewards", "all": "yhteensä / all",
}
TOTAL_ROW = "yhteensä / total"


async def _answers(conn: asyncpg.Connection, scope: Scope, threshold: int) -> list[tuple[Answer, str]]:
    """Each answer of the report, with what a cross-tabulation's columns are (else "")."""
    answers = []
    for by in HolderDimension:
        answers.append(answer("holders", await figures.holders(conn, scope, by, threshold), scope, threshold))
    for by in HolderDimension:
        answers.append(answer("reach", await figures.reach(conn, scope, by, threshold), scope, threshold,
                              decorate=with_share))
    for by in (UseDimension.category, UseDimension.venue_kind, UseDimension.month, UseDimension.municipality,
               UseDimension.programme):
        answers.append(answer("uses", await figures.uses(conn, scope, by), scope, threshold))
    answers.append(answer("cross_region_uses", await figures.cross_region_uses(conn, scope), scope, threshold))
    answers.append(answer("quota", await figures.quota(conn, scope, QuotaBy.category), scope, threshold))
    answers.append(answer("rewards", await figures.rewards(conn, scope, RewardsBy.programme), scope, threshold))
    answers = [(a, "") for a in answers]
    for measure in CrossTabMeasure:
        for background in Background:
            for side in OfferSide:
                table = await figures.cross_tabulation(conn, scope, [background], side, measure, threshold)
                answers.append((answer(f"cross_tabulation_{measure}", table, scope, threshold), str(side)))
    return answers


async def yearly_report_csv(conn: asyncpg.Connection, year: int, region: str | None, threshold: int) -> str:
    scope = Scope(Period.of_year(year), region)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    area = region or "koko maa / whole country"
    for figure, side in await _answers(conn, scope, threshold):
        labelled = [(_label(row.key), row.cells) for row in figure.rows]
        if figure.total:
            labelled.append((TOTAL_ROW, figure.total))
        for label, cells in labelled:
            for column, cell in cells.items():
                measure = f"{side}={column}" if side and column != "all" else MEASURES[column]
                writer.writerow((year, area, SECTIONS[figure.figure], label, measure,
                                 "" if cell.suppressed else cell.value, int(cell.suppressed)))
    return out.getvalue()


def _label(key: dict[str, str]) -> str:
    return "; ".join(f"{dimension}={value}" for dimension, value in key.items())
