"""The JSON Schema of the canonical format, generated from the Pydantic models (docs/canonical-event.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from reachable.records.kinds import PAYLOADS
from reachable.records.schemas import EventIn


def canonical_schema() -> dict[str, Any]:
    """EventIn's schema, with each kind's payload contract attached through if/then."""
    schema = EventIn.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://reachable.example/schemas/canonical-event.schema.json"
    schema["description"] = ("One event in Reachable's canonical interchange format: one JSON object per line "
                             "(JSON Lines) or one item of an API batch. See docs/canonical-format.md.")
    definitions = schema.setdefault("$defs", {})
    rules = []
    for kind, model in PAYLOADS.items():
        payload = model.model_json_schema(ref_template="#/$defs/{model}")
        definitions.update(payload.pop("$defs", {}))
        definitions[model.__name__] = payload
        rules.append({"if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
                      "then": {"properties": {"payload": {"$ref": f"#/$defs/{model.__name__}"}}}})
    schema["allOf"] = rules
    return schema


def schema_text() -> str:
    """The schema as the documented file holds it."""
    return json.dumps(canonical_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # python -m reachable.records.ingest.schema > docs/canonical-event.schema.json
    print(schema_text(), end="")
