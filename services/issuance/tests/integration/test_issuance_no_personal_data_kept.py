"""Personal data sent in refused requests is kept nowhere: not in any table of the service's
database, not on its topics, not in any log line (at DEBUG level)."""

import logging

import asyncpg
import pytest

from issuance.main import create_app
from leisure_contracts.topics import Topic
from leisure_infra.service_testing import running_app

pytestmark = pytest.mark.integration

NAME = "Aino Virtanen-Testinen"
PHONE = "+358 40 765 4321"
IDENTITY_CODE = "131052-308T"
EMAIL = "aino.virtanen@example.fi"
ADDRESS = "Koivukuja 7 B 12"
SECRETS = (NAME, "Virtanen", PHONE, "7654321", IDENTITY_CODE, "131052", EMAIL, "Koivukuja")


async def everything_in_the_database(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        dumped = [f"{table['table_name']}: {row[0]}" for table in tables
                  for row in await conn.fetch(f'SELECT t::text FROM "{table["table_name"]}" t')]
    finally:
        await conn.close()
    assert {"events", "cards", "card_numbers", "programmes"} <= {table["table_name"] for table in tables}
    return "\n".join(dumped)


@pytest.fixture
def root_logging_restored():
    """The service points the root logger at this test's captured stdout, at DEBUG: undo that after."""
    root = logging.getLogger()
    handlers, level = root.handlers, root.level
    yield
    root.handlers, root.level = handlers, level


async def test_refused_personal_data_is_kept_nowhere(service_settings, driver_for, read_topic, capsys,
                                                     root_logging_restored):
    settings = service_settings("issuance", log_level="DEBUG")
    async with running_app(create_app(settings)) as client:
        issuance = driver_for(client)
        worker = await issuance.worker()
        programme = await issuance.programme()
        background = issuance.background
        refused = [
            await issuance.issue(worker, programme, name=NAME, phone=PHONE, identity_code=IDENTITY_CODE),
            await issuance.issue(worker, programme, email=EMAIL, address=ADDRESS),
            await issuance.issue(worker, programme, background={**background, "name": NAME}),
            await issuance.issue(worker, programme, background={**background, "postal_code": PHONE}),
            await issuance.issue(worker, programme, background={**background, "postal_code": ADDRESS}),
            await issuance.issue(worker, programme, background={**background, "gender": NAME}),
            await issuance.issue(worker, programme, criteria_confirmed=[issuance.criterion, IDENTITY_CODE]),
            await issuance.issue(worker, programme, criteria_confirmed=[issuance.criterion, NAME]),
            await issuance.issue(worker, IDENTITY_CODE),
        ]
        card = await issuance.card(worker, programme)
        refused.append(await client.post(f"/v1/cards/{card['card_number']}/revocation", headers=worker,
                                         json={"reason": "lost", "note": f"{NAME} {PHONE}"}))
        assert [response.status_code for response in refused] == [422] * len(refused)
        for response in refused:
            assert not [secret for secret in SECRETS if secret in response.text], response.text
        await issuance.on_topic(Topic.CARDS, card["card_id"], 1)  # the relay has published what there is

        tables = await everything_in_the_database(settings.database_url)
    records = [*await read_topic(Topic.CARDS.value), *await read_topic(Topic.PROGRAMMES.value)]
    topics = "\n".join(f"{record.key!r} {record.value!r} {record.headers!r}" for record in records)
    captured = capsys.readouterr()
    logs = captured.out + captured.err

    assert card["card_number"] in tables and card["card_number"] in topics, "what was kept was read"
    assert '"message": "service started"' in logs and '"level": "debug"' in logs, "the log lines were captured"
    for where, text in (("a table", tables), ("a topic", topics), ("a log line", logs)):
        assert not [secret for secret in SECRETS if secret in text], f"personal data found in {where}"
