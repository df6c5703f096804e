"""A group activity through every service as a separate process: an association registered as a
venue of its own kind publishes a group with sessions, found in the catalogue; its staff record a
session's holders at once in usage; stats counts each holder's visit, and the group's newcomers in
the welfare indicators, each cell exactly the number its records' keys give."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from leisure_infra.service_testing import eventually
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings
from stats.domain.perturbation import KEY_SPACE, Tally, perturbed
from stats.domain.pseudonyms import Pseudonyms, RecordKeys
from stats.settings import StatsSettings

pytestmark = [pytest.mark.integration, pytest.mark.crossservice]

AUTH = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
COORDINATOR = mint_token(AUTH, Role.coordinator, "coordinator-groups", region="uusimaa")
DISTRIBUTOR = mint_token(AUTH, Role.distributor, "worker-groups", region="uusimaa", organisation="turku-youth")
READER = mint_token(AUTH, Role.stats_reader, "reader-groups", region="uusimaa")
PROGRAMME = "group-card"
HOLDERS = 8
# The services run with the public local secrets: the test can work out the record keys.
PSEUDONYMS = Pseudonyms(StatsSettings.model_fields["holder_hash_key"].default.get_secret_value())
RECORD_KEYS = RecordKeys(StatsSettings.model_fields["record_key_secret"].default.get_secret_value())


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_a_group_visit_counts_every_holder_in_usage_and_stats(platform):
    issuance, venues = platform["issuance"].spec.url, platform["venues"].spec.url
    usage, stats = platform["usage"].spec.url, platform["stats"].spec.url
    async with httpx.AsyncClient(timeout=30) as client:
        for path, body in (("/v1/programmes", {
                "programme_id": PROGRAMME, "name": {"fi": "Kimmoke"}, "home_region": "uusimaa",
                "eligibility_criteria": ["Receives a benefit"], "children_allowance": 0,
                "participating_regions": ["uusimaa"]}),
                           ("/v1/distributors", {"distributor_id": "turku-youth", "name": {"fi": "Nuorisotoimi"},
                                                 "kind": "social_office", "region": "uusimaa"})):
            created = await client.post(f"{issuance}{path}", headers=bearer(COORDINATOR), json=body)
            assert created.status_code == 201, created.text
        cards = []
        for _ in range(HOLDERS):
            issued = await client.post(f"{issuance}/v1/cards", headers=bearer(DISTRIBUTOR), json={
                "programme_id": PROGRAMME, "criteria_confirmed": ["Receives a benefit"],
                "background": {"age": 20, "gender": "male", "mother_tongue": "finnish",
                               "life_situation": "student", "postal_code": "20100", "children_under_16": 0}})
            assert issued.status_code == 201, issued.text
            cards.append(issued.json())

        venue = await client.post(f"{venues}/v1/venues", headers=bearer(COORDINATOR), json={
            "name": {"fi": "Liikuntayhdistys"}, "region": "uusimaa", "municipality": "Espoo", "kind": "association",
            "postal_code": "02100", "languages": ["fi"]})
        assert venue.status_code == 201, venue.text
        venue_id = venue.json()["venue_id"]
        staff = bearer(mint_token(AUTH, Role.venue_staff, "staff-groups", venues=[venue_id]))
        now = datetime.now(timezone.utc)
        offer = await client.post(f"{venues}/v1/venues/{venue_id}/offers", headers=staff, json={
            "category": "sport", "kind": "free_entry", "activity": "group", "title": {"fi": "Sählyryhmä"},
            "accepted_programmes": [PROGRAMME], "max_tickets_per_visit": 1,
            "sessions": [{"starts_at": (now + timedelta(days=7 * week)).isoformat(), "places": 20}
                         for week in range(4)]})
        assert offer.status_code == 201, offer.text
        offer_id = offer.json()["offer_id"]
        found = await client.get(f"{venues}/v1/catalogue/offers", params={"venue_kind": "association",
                                                                          "activity": "group"})
        assert [o["offer_id"] for o in found.json()["offers"]] == [offer_id]
        assert len(found.json()["offers"][0]["sessions"]) == 4

        async def usage_knows_everything():
            known = [await client.get(f"{usage}/v1/cards/{card['card_id']}/visits", headers=bearer(DISTRIBUTOR))
                     for card in cards]
            offer_known = await client.get(f"{usage}/v1/offers/{offer_id}/places", headers=staff)
            return all(r.status_code == 200 for r in [*known, offer_known])

        await eventually(usage_knows_everything, timeout=60)
        answer = await client.post(f"{usage}/v1/group-visits", headers=staff, json={
            "offer_id": offer_id, "idempotency_key": "session-week-1",
            "holders": [{"card_number": card["card_number"]} for card in cards]})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["recorded"], answer.json()["refused"]) == (HOLDERS, 0)
        visit_ids = [h["recorded"]["visit"]["visit_id"] for h in answer.json()["holders"]]

        uses = Tally(HOLDERS, sum(RECORD_KEYS.of(PSEUDONYMS.visit(v)) for v in visit_ids) % KEY_SPACE)
        newcomers = Tally(HOLDERS, sum(RECORD_KEYS.of(PSEUDONYMS.holder(c["card_number"])) for c in cards)
                          % KEY_SPACE)
        today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
        period = {"year": today.year, "month": today.month, "programme_id": PROGRAMME}

        async def every_holder_counted():
            response = await client.get(f"{stats}/v1/figures/uses", headers=bearer(READER),
                                        params=period | {"by": "venue_kind"})
            assert response.status_code == 200, response.text
            rows = {row["key"]["venue_kind"]: row["cells"] for row in response.json()["rows"]}
            return rows.get("association", {}).get("visits") == {"value": perturbed(uses)}

        await eventually(every_holder_counted, timeout=60)
        welfare = await client.get(f"{stats}/v1/figures/welfare", headers=bearer(READER),
                                   params={"year": today.year, "programme_id": PROGRAMME})
        assert welfare.status_code == 200, welfare.text
        cells = {(r["key"]["month"], r["key"]["age_band"]): r["cells"] for r in welfare.json()["rows"]}
        month = f"{today.year:04d}-{today.month:02d}"
        assert cells[(month, "18_24")]["newly_active"] == {"value": perturbed(newcomers)}
        assert cells[(month, "all")]["newly_active"] == {"value": perturbed(newcomers)}
