"""The checked-in JSON Schemas are the contract with integrators: they must match the models, and
a change that would break a subscriber of the released schema must come as a new version."""

import copy
import json
from datetime import datetime, timezone
from typing import ClassVar
from uuid import uuid4

import jsonschema
import pytest
from pydantic import Field

from leisure_contracts import schemas
from leisure_contracts.base import Event
from leisure_contracts.events import PublicVisitRecorded
from leisure_contracts.registry import EVENT_CLASSES
from leisure_contracts.schemas import breaking_changes, checked_in_schema, released_schema, schema_of
from leisure_contracts.topics import Topic


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.event_type())
def test_model_is_compatible_with_its_released_schema(event_class):
    released = released_schema(event_class)
    assert released is not None, (f"{event_class.event_type()} was never released: "
                                  "run `make schemas ARGS=--release` once it is ready for integrators")
    problems = breaking_changes(released, schema_of(event_class))
    assert not problems, (
        f"{event_class.event_type()} changed in a way that breaks subscribers: {problems}; "
        f"keep v{event_class.event_version} as it was and publish the change as "
        f"v{event_class.event_version + 1}"
    )


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.event_type())
def test_model_matches_its_checked_in_schema(event_class):
    assert schema_of(event_class) == checked_in_schema(event_class), (
        f"{event_class.event_type()} no longer matches contracts/schemas/{event_class.schema_file()}: "
        "run `make schemas` and commit the file"
    )


def _card_issued_schema():
    from leisure_contracts.events import CardIssued
    return schema_of(CardIssued)


def test_removing_a_field_breaks_subscribers():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    del new["properties"]["home_region"]
    new["required"].remove("home_region")
    assert breaking_changes(old, new) == ["field 'home_region' removed"]


def test_retyping_a_field_breaks_subscribers():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    new["properties"]["children_allowance"] = {"type": "string"}
    assert any("children_allowance" in p and "changed type" in p for p in breaking_changes(old, new))


def test_a_new_required_field_breaks_subscribers():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    new["properties"]["municipality"] = {"type": "string"}
    new["required"].append("municipality")
    assert breaking_changes(old, new) == ["new required field 'municipality'"]


def test_a_retyped_nested_field_breaks_subscribers():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    new["$defs"]["HolderBackground"]["properties"]["children_under_16"] = {"type": "string"}
    assert any("background.children_under_16" in p for p in breaking_changes(old, new))


def test_a_removed_or_added_enum_value_breaks_subscribers():
    old = _card_issued_schema()
    fewer, more = copy.deepcopy(old), copy.deepcopy(old)
    fewer["$defs"]["Gender"]["enum"].remove("other")
    more["$defs"]["Gender"]["enum"].append("non_binary")
    assert breaking_changes(old, fewer)
    # A subscriber that checks values (these contracts' own models do) refuses one it does not know.
    assert breaking_changes(old, more) == ["field 'background.gender' gained enum values ['non_binary']"]


def test_changed_metadata_is_not_a_breaking_change():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    new["$id"], new["$schema"], new["title"] = "fi.leisurepass.card.issued.v1", None, "Renamed"
    new["properties"]["home_region"]["description"] = "Another description"
    assert breaking_changes(old, new) == []


def test_the_data_schema_is_the_schema_id():
    for event_class in EVENT_CLASSES:
        schema = checked_in_schema(event_class)
        assert schema["$id"] == event_class.dataschema()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


class _Probe(Event):
    event_name = "probe.happened"
    event_topic: ClassVar[Topic] = Topic.CARDS
    key_field = "probe_id"

    probe_id: str
    count: int = Field(ge=0)


class _ProbeRetyped(_Probe):
    count: str  # type: ignore[assignment]


def test_editing_the_model_and_its_schema_file_together_is_still_refused(tmp_path, monkeypatch):
    released, working = tmp_path / "released", tmp_path
    released.mkdir()
    (released / _Probe.schema_file()).write_text(json.dumps(schema_of(_Probe)))
    # The change is made in the model and in the working-tree file alike, as `make schemas` would.
    (working / _Probe.schema_file()).write_text(json.dumps(schema_of(_ProbeRetyped)))
    monkeypatch.setattr(schemas, "SCHEMA_DIR", working)
    monkeypatch.setattr(schemas, "RELEASED_DIR", released)
    monkeypatch.setattr(schemas, "EVENT_CLASSES", (_ProbeRetyped,))

    assert breaking_changes(checked_in_schema(_ProbeRetyped), schema_of(_ProbeRetyped)) == []
    refused = schemas.write_schemas(release=True)
    assert len(refused) == 1 and "'count' changed type" in refused[0] and "as v2" in refused[0]
    assert json.loads((released / _Probe.schema_file()).read_text()) == schema_of(_Probe)


def test_a_released_type_that_disappears_is_refused(tmp_path, monkeypatch):
    (tmp_path / "released").mkdir()
    (tmp_path / "released" / _Probe.schema_file()).write_text(json.dumps(schema_of(_Probe)))
    monkeypatch.setattr(schemas, "SCHEMA_DIR", tmp_path)
    monkeypatch.setattr(schemas, "RELEASED_DIR", tmp_path / "released")
    monkeypatch.setattr(schemas, "EVENT_CLASSES", ())
    assert schemas.write_schemas() == [f"{_Probe.schema_file()}: released, but no event type makes it any more"]


def test_an_optional_field_with_a_default_is_a_compatible_change():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    new["properties"]["municipality"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert breaking_changes(old, new) == []


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.event_type())
def test_each_checked_in_schema_is_valid_json_schema_2020_12(event_class):
    jsonschema.Draft202012Validator.check_schema(checked_in_schema(event_class))


def test_a_public_visit_as_published_matches_its_checked_in_schema():
    visit = PublicVisitRecorded(visit_id=uuid4(), programme_id="culture-card", card_region="uusimaa",
                                offer_id=uuid4(), venue_id=uuid4(), venue_kind="museum", region="uusimaa",
                                category="culture", tickets=1, occurred_at=datetime.now(timezone.utc))
    validator = jsonschema.Draft202012Validator(checked_in_schema(PublicVisitRecorded))
    assert list(validator.iter_errors(json.loads(visit.model_dump_json()))) == []
    assert not validator.is_valid(json.loads(visit.model_dump_json()) | {"tickets": 0})
