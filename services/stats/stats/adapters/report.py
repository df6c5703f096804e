"""The yearly report: every figure of one year in one CSV, as the JSON answers give them (the same
perturbed counts), in long form so a spreadsheet can pivot it. Headers and labels are in Finnish and
English; the first column is a key unique to the row, so the file loads as a keyed table."""

import csv
import io

import asyncpg

from stats.adapters.answers import Answer, answer, with_reach_to_date, with_share
from stats.application import coordinator, figures, welfare
from stats.application.figures import Scope
from stats.domain.dimensions import (
    Background,
    CrossTabMeasure,
    HolderDimension,
    OfferSide,
    QuotaBy,
    RewardsBy,
    UseDimension,
    UsersBy,
)
from stats.domain.period import Period

HEADERS = ("avain / key", "vuosi / year", "alue / region", "osio / section", "erittely / breakdown",
           "rivi / row", "mittari / measure", "luku / count")
SECTIONS = {
    "holders": "kortinhaltijat / holders",
    "reach": "tavoittavuus / reach",
    "uses": "käytöt / uses",
    "cross_region_uses": "käytöt toisella alueella / cross-region uses",
    "quota": "kiintiöt / quota",
    "rewards": "palkinnot / rewards",
    "cross_tabulation_uses": "käytöt taustan mukaan / uses by background",
    "cross_tabulation_users": "käyttäjät taustan mukaan / users by background",
    "uses_per_card": "käytöt korttia kohden / uses per card",
    "first_use": "aika ensimmäiseen käyttöön / time to first use",
    "children": "tavoitetut lapset / children reached",
    "users": "käyttäjät kunnittain / users by municipality",
    "welfare": "hyvinvointimittarit / welfare indicators",
}
MEASURES = {
    "issued": "myönnetyt / issued", "active": "voimassa / active", "revoked": "perutut / revoked",
    "renewed": "uusitut / renewed", "users": "käyttäneet / users", "non_users": "ei käyttäneet / non-users",
    "holders": "haltijat / holders", "share": "osuus / share", "visits": "käynnit / visits",
    "children_tickets": "lasten liput / children's tickets", "escort_tickets": "avustajien liput / escort tickets",
    "tickets": "liput yhteensä / all tickets", "taken": "käytetyt paikat / places taken",
    "offered": "tarjotut paikat / places offered", "rewards": "palkinnot / rewards", "all": "yhteensä / all",
    "holders_with_children": "haltijat, joilla lapsia / holders with children",
    "children": "lapset / children", "holders_taking_children": "lapsia mukana / holders taking children",
    "newly_active": "uudet aktiiviset / newly active", "newly_active_to_date": "uudet aktiiviset kertymä / "
    "newly active to date", "active_two_months_to_date": "aktiivisia 2+ kuukautena / active in 2+ months to date",
    "reached_to_date": "tavoitetut kertymä / reached to date", "holders_to_date": "haltijat kertymä / holders to "
    "date", "share_reached_to_date": "tavoitettujen osuus / share reached to date",
}
TOTAL_ROW = "yhteensä / total"
USES_BY = (UseDimension.category, UseDimension.venue_kind, UseDimension.venue, UseDimension.month,
           UseDimension.weekday, UseDimension.municipality, UseDimension.region, UseDimension.card_region,
           UseDimension.programme)


async def _answers(conn: asyncpg.Connection, scope: Scope) -> list[tuple[Answer, str, str]]:
    """Each answer of the report, with its breakdown and what a cross-tabulation's columns are (else "")."""
    answers = []
    for by in HolderDimension:
        answers.append((answer("holders", await figures.holders(conn, scope, by), scope), str(by)))
    for by in HolderDimension:
        answers.append((answer("reach", await figures.reach(conn, scope, by), scope, decorate=with_share), str(by)))
    for by in USES_BY:
        answers.append((answer("uses", await figures.uses(conn, scope, by), scope), str(by)))
    answers.append((answer("cross_region_uses", await figures.cross_region_uses(conn, scope), scope),
                    "card_region, region"))
    for by in QuotaBy:
        answers.append((answer("quota", await figures.quota(conn, scope, by), scope), str(by)))
    for by in RewardsBy:
        answers.append((answer("rewards", await figures.rewards(conn, scope, by), scope), str(by)))
    answers.append((answer("uses_per_card", await coordinator.uses_per_card(conn, scope), scope), "uses_per_card"))
    answers.append((answer("first_use", await coordinator.first_use(conn, scope), scope), "days_to_first_use"))
    for by in HolderDimension:
        answers.append((answer("children", await coordinator.children(conn, scope, by), scope), str(by)))
    answers.append((answer("users", await coordinator.users(conn, scope, UsersBy.municipality), scope),
                    "municipality"))
    answers.append((answer("welfare", await welfare.welfare(conn, scope), scope, decorate=with_reach_to_date),
                    "month × age_band"))
    answers = [(a, by, "") for a, by in answers]
    for measure in CrossTabMeasure:
        for background in Background:
            for side in OfferSide:
                table = await figures.cross_tabulation(conn, scope, [background], side, measure)
                answers.append((answer(f"cross_tabulation_{measure}", table, scope), f"{background} × {side}",
                                str(side)))
    return answers


async def yearly_report_csv(conn: asyncpg.Connection, year: int, region: str | None) -> str:
    scope = Scope(Period.of_year(year), region)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    area = region or "koko maa / whole country"
    for figure, breakdown, side in await _answers(conn, scope):
        labelled = [(_label(row.key), row.cells) for row in figure.rows]
        if figure.total:
            labelled.append((TOTAL_ROW, figure.total))
        for label, cells in labelled:
            for column, cell in cells.items():
                measure = f"{side}={column}" if side and column != "all" else MEASURES[column]
                key = f"{figure.figure}/{breakdown}/{label}/{column}"
                writer.writerow((key, year, area, SECTIONS[figure.figure], breakdown, label, measure,
                                 "" if cell.value is None else cell.value))
    return out.getvalue()


def _label(key: dict[str, str]) -> str:
    return "; ".join(f"{dimension}={value}" for dimension, value in key.items())
