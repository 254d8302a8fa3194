"""Validate action-server responses with a validator built once.

Rasa: `RemoteAction._validate_action_result` calls `jsonschema.validate()` on every response, which
first checks Rasa's own (large, constant) event schema against the JSON-Schema metaschema: 40-45 % of
Rasa's CPU per message here.
Patch: the same schema is checked once, and each response is validated by a validator built from it.
Safe: the same schema and validator class decide; an invalid response raises the same
`ValidationError` with the same added message.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.actions.action.RemoteAction._validate_action_result",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if fence.patched_by(RemoteAction, "_validate_action_result") == __name__:
        return True
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate() did on every call
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:  # the message Rasa 3.6.21 adds
            e.message += (
                ". Failed to validate Action server response from API, make sure your response from the Action "
                f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise e

    fence.replace(RemoteAction, "_validate_action_result", _validate_action_result, __name__)
    return True
