"""JSON Schema of each event type, checked in under `contracts/schemas/`, and the rule that guards
existing subscribers: a change that would break one must be published as a new version.

`python -m leisure_contracts.schemas` rewrites the files, and refuses a breaking change.
"""

import json
import sys
from pathlib import Path
from typing import Any

from leisure_contracts.base import Event
from leisure_contracts.registry import EVENT_CLASSES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def schema_of(event_class: type[Event]) -> dict[str, Any]:
    schema = event_class.model_json_schema()
    schema["$id"] = event_class.event_type()
    return schema


def checked_in_schema(event_class: type[Event]) -> dict[str, Any] | None:
    path = SCHEMA_DIR / event_class.schema_file()
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
    field whose type changed, a new required field, or an enum value removed."""
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
            old_enum, new_enum = old_sig.get("enum") if isinstance(old_sig, dict) else None, new_sig.get("enum") if isinstance(new_sig, dict) else None
            if old_enum is not None and new_enum is not None and set(old_enum) <= set(new_enum):
                continue
            problems.append(f"field {where!r} changed type from {old_sig} to {new_sig}")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"new required field {path}{name!r}")
    return problems


def write_schemas() -> list[str]:
    """Write every event's schema file; refuse to overwrite one with a breaking change."""
    refused = []
    SCHEMA_DIR.mkdir(exist_ok=True)
    for event_class in EVENT_CLASSES:
        new = schema_of(event_class)
        old = checked_in_schema(event_class)
        if old is not None and (problems := breaking_changes(old, new)):
            refused.append(f"{event_class.event_type()}: {'; '.join(problems)} — publish it as version {event_class.event_version + 1}")
            continue
        (SCHEMA_DIR / event_class.schema_file()).write_text(json.dumps(new, indent=2, sort_keys=True) + "\n")
    return refused


if __name__ == "__main__":
    if refused := write_schemas():
        print("Refused breaking changes:\n" + "\n".join(refused), file=sys.stderr)
        sys.exit(1)
    print(f"Wrote {len(EVENT_CLASSES)} schemas to {SCHEMA_DIR}")
