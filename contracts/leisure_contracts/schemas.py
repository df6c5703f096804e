"""JSON Schema of each event type, checked in under `contracts/schemas/`, and the rule that guards
existing subscribers: a change that would break one must be published as a new version.

Changes are judged against the last *released* schema (`contracts/schemas/released/`), never
against the working-tree file, which the same change rewrites. `python -m leisure_contracts.schemas`
rewrites the working-tree files and refuses a breaking change; `--release` also copies them to
`released/`, the baseline that integrators have been given.
"""

import json
import sys
from pathlib import Path
from typing import Any

from leisure_contracts.base import Event
from leisure_contracts.registry import EVENT_CLASSES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
RELEASED_DIR = SCHEMA_DIR / "released"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(event_class: type[Event]) -> dict[str, Any]:
    """The type's JSON Schema; its `$id` is what events of the type carry as `ce_dataschema`."""
    return {"$schema": DIALECT, "$id": event_class.dataschema(), **event_class.model_json_schema()}


def checked_in_schema(event_class: type[Event]) -> dict[str, Any] | None:
    return _read(SCHEMA_DIR / event_class.schema_file())


def released_schema(event_class: type[Event]) -> dict[str, Any] | None:
    """The schema as last released; none for a type never released."""
    return _read(RELEASED_DIR / event_class.schema_file())


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {})[name]
    return schema


def _type_signature(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """What a subscriber relies on of a field: its JSON types, formats, enum values and, for
    objects and arrays, the same of their parts."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return ("anyOf", sorted((json.dumps(_type_signature(s, root), sort_keys=True) for s in schema["anyOf"])))
    signature: dict[str, Any] = {
        key: schema[key] for key in ("type", "format", "pattern") if key in schema
    }
    if "enum" in schema:
        signature["enum"] = sorted(schema["enum"])
    if schema.get("type") == "array" and "items" in schema:
        signature["items"] = _type_signature(schema["items"], root)
    if schema.get("type") == "object" and "properties" in schema:
        signature["properties"] = {
            name: _type_signature(sub, root) for name, sub in schema["properties"].items()
        }
    return signature


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "", old_root=None, new_root=None) -> list[str]:
    """The changes from `old` to `new` that would break a subscriber of `old`: a removed field, a
    field whose type changed, a new required field, or an enum value removed or added (a subscriber
    that checks values, as these contracts' own models do, refuses a value it does not know).
    Metadata (`$id`, `$schema`, titles, descriptions) is not part of the comparison."""
    old_root = old_root or old
    new_root = new_root or new
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_field in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"field {where!r} removed")
            continue
        new_field = new_props[name]
        old_resolved, new_resolved = _resolve(old_field, old_root), _resolve(new_field, new_root)
        if "properties" in old_resolved and "properties" in new_resolved:
            problems += breaking_changes(old_resolved, new_resolved, f"{where}.", old_root, new_root)
            continue
        old_sig, new_sig = _type_signature(old_field, old_root), _type_signature(new_field, new_root)
        if old_sig != new_sig:
            problems.append(_describe_change(where, old_sig, new_sig))
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"new required field {path}{name!r}")
    return problems


def _describe_change(where: str, old_sig: Any, new_sig: Any) -> str:
    old_enum = old_sig.get("enum") if isinstance(old_sig, dict) else None
    new_enum = new_sig.get("enum") if isinstance(new_sig, dict) else None
    if old_enum is not None and new_enum is not None and set(old_enum) < set(new_enum):
        return f"field {where!r} gained enum values {sorted(set(new_enum) - set(old_enum))}"
    return f"field {where!r} changed type from {old_sig} to {new_sig}"


def incompatible_with_release(event_class: type[Event]) -> list[str]:
    """What in the model would break a subscriber of the released schema; nothing if never released."""
    released = released_schema(event_class)
    return [] if released is None else breaking_changes(released, schema_of(event_class))


def released_types_gone() -> list[str]:
    """Released schema files with no event type left: a subscriber's type vanished."""
    known = {event_class.schema_file() for event_class in EVENT_CLASSES}
    return sorted(path.name for path in RELEASED_DIR.glob("*.json") if path.name not in known)


def write_schemas(release: bool = False) -> list[str]:
    """Write every event's schema file (and with `release`, its released copy); refuse a type whose
    change would break a subscriber of its released schema, and a release that drops a type."""
    refused = []
    for event_class in EVENT_CLASSES:
        if problems := incompatible_with_release(event_class):
            refused.append(f"{event_class.event_type()}: {'; '.join(problems)} — "
                           f"keep v{event_class.event_version} as released and publish the change as "
                           f"v{event_class.event_version + 1}")
            continue
        text = json.dumps(schema_of(event_class), indent=2, sort_keys=True) + "\n"
        (SCHEMA_DIR / event_class.schema_file()).write_text(text)
        if release:
            RELEASED_DIR.mkdir(exist_ok=True)
            (RELEASED_DIR / event_class.schema_file()).write_text(text)
    refused += [f"{name}: released, but no event type makes it any more" for name in released_types_gone()]
    return refused


if __name__ == "__main__":
    release = "--release" in sys.argv[1:]
    if refused := write_schemas(release):
        print("Refused breaking changes:\n" + "\n".join(refused), file=sys.stderr)
        sys.exit(1)
    print(f"Wrote {len(EVENT_CLASSES)} schemas to {SCHEMA_DIR}" + (f" and released them to {RELEASED_DIR}" if release else ""))
