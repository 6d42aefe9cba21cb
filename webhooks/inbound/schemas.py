"""Each bridge event's `data`, checked against its JSON Schema in the bridge contract before
anything is applied (sessions_wa.contract reads bridge/src/contract/events.json, the file the
bridge builds every event against). A signed event that breaks it is refused (422
`invalid_payload`, fields named), never half-applied and never a 500.

Django reads the schemas with two leniencies, and adds two checks a JSON Schema cannot make
(docs/bridge.md, "What Django accepts"):
- a field the schema requires but allows to be null may be absent: Django reads absent as null;
- a field the schema does not declare is let through and ignored, so a bridge one release ahead
  does not see its events refused;
- text PostgreSQL cannot store (a NUL, a lone surrogate) is refused wherever it is;
- an `integer` is a JSON integer: `2.0` is refused (JSON Schema calls it an integer).
"""

from __future__ import annotations

import jsonschema_rs

from blazz.core.validation import json_text_problems
from sessions_wa.contract import EVENT_SCHEMAS, NODE_MESSAGE_SCHEMAS

INTEGER_MESSAGE = "A JSON integer is required (no fraction part, not even .0)."


def _types(schema: dict) -> list:
    kind = schema.get("type", [])
    return kind if isinstance(kind, list) else [kind]


def lenient(schema: dict) -> dict:
    """The schema as Django reads it (see above): nullable fields optional, undeclared ones allowed."""
    schema = dict(schema)
    if "properties" in schema:
        schema["properties"] = {name: lenient(item) for name, item in schema["properties"].items()}
        schema["required"] = [name for name in schema.get("required", [])
                              if "null" not in _types(schema["properties"][name])]
        schema.pop("additionalProperties", None)
    return schema


def _integer_paths(schema: dict, path: tuple = ()) -> list[tuple[str, ...]]:
    found = [path] if "integer" in _types(schema) else []
    for name, item in schema.get("properties", {}).items():
        found += _integer_paths(item, (*path, name))
    return found


VALIDATORS = {event_type: jsonschema_rs.validator_for(lenient(schema)) for event_type, schema in EVENT_SCHEMAS.items()}
INTEGER_PATHS = {event_type: _integer_paths(schema) for event_type, schema in EVENT_SCHEMAS.items()}
NODE_VALIDATORS = {kind: jsonschema_rs.validator_for(lenient(schema)) for kind, schema in NODE_MESSAGE_SCHEMAS.items()}


def node_message_problems(kind: str, body: dict) -> dict[str, list[str]]:
    """{} when a heartbeat (or batch) body holds to its contract; else {"data.url": [why], ...}."""
    problems: dict[str, list[str]] = {}
    for error in NODE_VALIDATORS[kind].iter_errors(body):
        path = [str(part) for part in error.instance_path]
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
            path.append(error.kind.property)
        problems.setdefault(".".join(path) or "body", []).append(error.message)
    for path, messages in _flat(json_text_problems(body)):
        problems.setdefault(path, []).extend(messages)
    return problems


def event_data_problems(event_type: str, data: dict) -> dict[str, list[str]]:
    """{} when `data` holds to `event_type`'s contract; else {"media.size": [why], ...} (dotted
    field paths inside `data`)."""
    problems: dict[str, list[str]] = {}
    validator = VALIDATORS[event_type]
    if not validator.is_valid(data):
        for error in validator.iter_errors(data):
            path = [str(part) for part in error.instance_path]
            if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
                path.append(error.kind.property)
            problems.setdefault(".".join(path), []).append(error.message)
    for path in INTEGER_PATHS[event_type]:
        value = _at(data, path)
        if isinstance(value, float):
            problems.setdefault(".".join(path), []).append(INTEGER_MESSAGE)
    for path, messages in _flat(json_text_problems(data)):
        problems.setdefault(path, []).extend(messages)
    return problems


def _at(data, path: tuple[str, ...]):
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data


def _flat(tree: dict, prefix: str = ""):
    """json_text_problems' nested detail as (dotted path, messages)."""
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from _flat(value, path)
        else:
            yield path, value
