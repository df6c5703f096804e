"""The checked-in JSON Schemas are the contract with integrators: they must match the models, and
a change that would break a subscriber must come as a new version."""

import copy

import pytest

from leisure_contracts.registry import EVENT_CLASSES
from leisure_contracts.schemas import breaking_changes, checked_in_schema, schema_of


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda c: c.event_type())
def test_model_is_compatible_with_its_checked_in_schema(event_class):
    old = checked_in_schema(event_class)
    assert old is not None, f"no checked-in schema for {event_class.event_type()}: run `make schemas`"
    problems = breaking_changes(old, schema_of(event_class))
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


def test_a_removed_enum_value_breaks_subscribers_but_an_added_one_does_not():
    old = _card_issued_schema()
    fewer, more = copy.deepcopy(old), copy.deepcopy(old)
    fewer["$defs"]["Gender"]["enum"].remove("other")
    more["$defs"]["Gender"]["enum"].append("non_binary")
    assert breaking_changes(old, fewer)
    assert breaking_changes(old, more) == []


def test_an_optional_field_with_a_default_is_a_compatible_change():
    old = _card_issued_schema()
    new = copy.deepcopy(old)
    new["properties"]["municipality"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert breaking_changes(old, new) == []
