"""A card issued on paper and entered later counts from the day it was handed over."""

from datetime import date

import pytest

from leisure_infra.service_testing import bearer
from leisure_runtime.auth import Role
from stats.application import figures
from stats.application.figures import Scope
from stats.domain.dimensions import HolderDimension
from stats.domain.period import Period

from .conftest import at

pytestmark = pytest.mark.integration
NATIONAL = bearer(Role.stats_reader, "reader-national", national=True)


async def test_a_card_entered_after_the_quarter_it_was_handed_over_in_counts_in_that_quarter(
        stats_service, world, publish_in_batches, wait_for, answer_check):
    app, client = stats_service
    handed_over, entered = date(2017, 3, 20), date(2017, 4, 5)
    cards = [world.card(handed_over, date(2018, 3, 19)).model_copy(update={"issued_at": at(entered)})
             for _ in range(5)]
    await publish_in_batches(cards)
    params = {"year": 2017, "region": world.region}

    async def counted():
        async with app.state.pool.acquire() as conn:
            table = await figures.holders(conn, Scope(Period.of_year(2017), world.region), HolderDimension.programme)
        return table.counts[((), "active")] == 5

    await wait_for(counted)
    first_quarter = await client.get("/v1/figures/holders", params=params | {"quarter": 1}, headers=NATIONAL)
    P = world.programme
    answer_check(first_quarter.json(), {(P,): dict(issued=5, active=5, revoked=0, renewed=0),
                                        (): dict(issued=5, active=5, revoked=0, renewed=0)})
