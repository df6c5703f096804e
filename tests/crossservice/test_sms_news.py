"""SMS news across the services as separate processes: a card issued in issuance becomes known to
notifications, the holder consents at the desk, an offer published in venues reaches the local
gateway as a text message, and revoking the card in issuance erases the number."""

import httpx
import pytest

from leisure_infra.service_testing import bearer, eventually
from leisure_runtime.auth import Role

pytestmark = [pytest.mark.integration, pytest.mark.crossservice]

COORDINATOR = bearer(Role.coordinator, "coordinator-sms", region="varsinais-suomi")
WORKER = bearer(Role.distributor, "worker-sms", region="varsinais-suomi", organisation="turku-sms-office")
CRITERION = "Receives basic social assistance"


async def test_a_consenting_holder_gets_a_new_offer_by_text_and_revocation_erases_the_number(platform):
    issuance, venues, notifications = (platform[name].spec.url for name in ("issuance", "venues", "notifications"))
    async with httpx.AsyncClient(timeout=10) as client:
        for path, body in (
            ("/v1/programmes", {"programme_id": "sms-wristband", "name": {"fi": "Liikuntaranneke"},
                                "home_region": "varsinais-suomi", "minimum_age": 18,
                                "eligibility_criteria": [CRITERION], "participating_regions": ["varsinais-suomi"]}),
            ("/v1/distributors", {"distributor_id": "turku-sms-office", "name": {"fi": "Sosiaalitoimisto"},
                                  "kind": "social_office", "region": "varsinais-suomi"}),
        ):
            created = await client.post(f"{issuance}{path}", headers=COORDINATOR, json=body)
            assert created.status_code == 201, created.text
        issued = await client.post(f"{issuance}/v1/cards", headers=WORKER, json={
            "programme_id": "sms-wristband", "criteria_confirmed": [CRITERION],
            "background": {"age": 40, "gender": "male", "mother_tongue": "arabic", "life_situation": "unemployed",
                           "postal_code": "20100"}})
        assert issued.status_code == 201, issued.text
        number = issued.json()["card_number"]
        consent_path = f"{notifications}/v1/cards/{number}/sms-consent"

        async def consented():
            response = await client.put(consent_path, headers=WORKER,
                                        json={"phone_number": "040 765 4321", "categories": ["sport"]})
            return response.status_code == 200 and response.json()

        assert (await eventually(consented, interval=1.0))["phone_number"] == "+35840*****21"

        venue = await client.post(f"{venues}/v1/venues", headers=COORDINATOR, json={
            "name": {"fi": "Impivaaran uimahalli"}, "region": "varsinais-suomi", "municipality": "Turku",
            "kind": "swimming_hall", "postal_code": "20500", "languages": ["fi"]})
        assert venue.status_code == 201, venue.text
        offer = await client.post(f"{venues}/v1/venues/{venue.json()['venue_id']}/offers", headers=COORDINATOR, json={
            "category": "sport", "kind": "free_entry", "title": {"fi": "Aamu-uinti"},
            "accepted_programmes": ["sms-wristband"], "accepted_regions": ["varsinais-suomi"]})
        assert offer.status_code == 201, offer.text

        async def texted():
            return (await client.get(f"{notifications}/v1/local-gateway/messages")).json()

        [message] = await eventually(texted)
        assert (message["to"], message["text"]) == ("+358407654321",
                                                     "Uusi tarjous: Aamu-uinti\nLopeta viestit: vastaa LOPETA")

        revoked = await client.post(f"{issuance}/v1/cards/{number}/revocation", headers=WORKER,
                                    json={"reason": "no_longer_eligible"})
        assert revoked.status_code == 200, revoked.text

        async def erased():
            response = await client.get(consent_path, headers=COORDINATOR)
            return response.status_code == 404 and response.json()

        assert (await eventually(erased))["code"] == "no_consent"
        metrics = (await client.get(f"{notifications}/metrics")).text
        assert 'leisure_sms_consent_changes_total{change="card_revoked"} 1.0' in metrics
        assert "7654321" not in metrics
