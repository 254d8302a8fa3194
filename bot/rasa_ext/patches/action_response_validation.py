"""Validate action-server responses with validators built once, checking each event against its own type.

Rasa: `RemoteAction._validate_action_result` calls `jsonschema.validate()` on every response, which
first checks Rasa's own (large, constant) event schema against the JSON-Schema metaschema (40-45 %
of Rasa's CPU per message here). Then each event is checked against a `oneOf` of all 23 event
types, and jsonschema collects every error of every type before the matching one (about 0.4 ms per
event).
Patch: the schema is checked once, and a validator is built from it. An event whose "event" names
a type is first checked against the `oneOf` of the alternatives that can match it (the others
require another "event" constant, so they can never be valid for it); the rest of the response
against the schema without its events. When all of that passes, the response is valid under the
full schema. Anything else (an unknown or missing type, a failed check, a schema of another shape)
is validated by the full schema, which raises Rasa's own error.
Safe: a response is accepted only when it is valid under Rasa's schema (the candidates' `oneOf`
decides exactly as the full one does, see above), and every invalid response gets the error
`jsonschema.validate()` raises (its best match), with the message Rasa adds (tested on valid and invalid responses).
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.actions.action.RemoteAction._validate_action_result",)


def _per_type(schema: dict[str, Any], validator_class: Any) -> tuple[Any, dict[str, Any]] | None:
    """(validator of the response without "events", {event type: validator of such an event}), or None when
    the schema is not the shape this relies on: an object whose "events" is an array of one item schema
    with a `oneOf` over alternatives that each fix "event" to a constant."""
    events = schema.get("properties", {}).get("events")
    if schema.get("type") != "object" or set(events or {}) != {"type", "items"} or events["type"] != "array":
        return None
    item = events["items"]
    alternatives = item.get("oneOf")
    if not isinstance(alternatives, list):
        return None
    constants = [alternative.get("properties", {}).get("event", {}).get("const") for alternative in alternatives]
    if not all(isinstance(constant, str) for constant in constants):
        return None
    rest = {**schema, "properties": {k: v for k, v in schema["properties"].items() if k != "events"}}
    candidates: dict[str, list[Any]] = {}
    for alternative, constant in zip(alternatives, constants, strict=True):
        candidates.setdefault(constant, []).append(alternative)
    by_type = {constant: validator_class({**item, "oneOf": chosen}) for constant, chosen in candidates.items()}
    return validator_class(rest), by_type


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if fence.patched_by(RemoteAction, "_validate_action_result") == __name__:
        return True
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate() did on every call
    validator = validator_class(schema)
    split = _per_type(schema, validator_class)

    def valid_by_type(result: Any) -> bool:
        if split is None or not isinstance(result, dict):
            return False
        rest, by_type = split
        events = result.get("events", [])
        if not isinstance(events, list):
            return False
        for event in events:
            kind = event.get("event") if isinstance(event, dict) else None
            if kind not in by_type or not by_type[kind].is_valid(event):
                return False
        return bool(rest.is_valid({key: value for key, value in result.items() if key != "events"}))

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if valid_by_type(result):
            return True
        try:
            error = best_match(validator.iter_errors(result))  # what jsonschema.validate() raises
            if error is None:
                return True
            raise error
        except ValidationError as e:  # the message Rasa 3.6.21 adds
            e.message += (
                ". Failed to validate Action server response from API, make sure your response from the Action "
                f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    fence.replace(RemoteAction, "_validate_action_result", _validate_action_result, __name__)
    return True
