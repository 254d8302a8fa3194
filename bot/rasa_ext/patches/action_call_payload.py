"""Write the action server's request from cached JSON: each past event and the domain are serialised once.

Rasa: `RemoteAction._action_call_format` turns every event of the conversation into a dict
(`Event.as_dict`) for every custom-action call, and the whole body, with the domain (70 kB), is
written as JSON again each time: the biggest single cost of a turn here, and it grows with the
conversation (the 20th question sends every event of the first 19).
Patch: the same body, as a dict, whose JSON text is also kept (`prepared_json`): events before the
latest user message are serialised once and kept on the event; the domain's JSON is kept per
domain. The action_server_connections patch sends that text; without it aiohttp serialises the
dict as Rasa's would be.
Safe: the same keys and values (tested: the same parsed body as Rasa's for a conversation, call
after call). Events are only cached once a newer user message exists: Rasa changes an event after
it is logged only through the latest message (`EntitiesAdded`), and everything from the latest user
message on is written fresh on every call.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.core.actions.action.RemoteAction._action_call_format",)
_CACHE = "_prescreen_json"  # attribute set on a past event: (its dict, its JSON)


class PreparedPayload(dict):
    """The request body as Rasa builds it (a dict), plus its JSON text."""

    prepared_json: str = ""


def _event_parts(events: list[Any], dumps: Any) -> tuple[list[dict[str, Any]], list[str]]:
    from rasa.shared.core.events import UserUttered

    latest_user = max((i for i, event in enumerate(events) if isinstance(event, UserUttered)), default=0)
    dicts, texts = [], []
    for index, event in enumerate(events):
        cached = event.__dict__.get(_CACHE) if index < latest_user else None
        if cached is None:
            as_dict = event.as_dict()
            cached = (as_dict, dumps(as_dict))
            if index < latest_user:
                event.__dict__[_CACHE] = cached
        dicts.append(cached[0])
        texts.append(cached[1])
    return dicts, texts


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    from bot.rasa_ext.patches.action_server_connections import dumps

    if fence.patched_by(RemoteAction, "_action_call_format") == __name__:
        return True
    domains: dict[int, tuple[Any, str]] = {}  # id(domain dict) -> (the dict, kept alive, its JSON)

    def domain_json(data: dict[str, Any]) -> str:
        found = domains.get(id(data))
        if found is None or found[0] is not data:
            found = (data, dumps(data))
            domains.clear()  # one model (and domain) at a time
            domains[id(data)] = found
        return found[1]

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        state = tracker.current_state(EventVerbosity.NONE)  # everything of Rasa's state but the events
        dicts, texts = _event_parts(list(tracker.events), dumps)
        state_json = dumps({key: value for key, value in state.items() if key != "events"})
        state["events"] = dicts
        result = PreparedPayload(next_action=self._name, sender_id=tracker.sender_id, tracker=state,
                                 version=rasa.__version__)
        parts = [f'{{"next_action":{dumps(self._name)},"sender_id":{dumps(tracker.sender_id)},'
                 f'"version":{dumps(rasa.__version__)},"tracker":{state_json[:-1]},"events":[{",".join(texts)}]}}']
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
            parts.append(f',"domain":{domain_json(result["domain"])}')
        result.prepared_json = "".join(parts) + "}"
        return result

    fence.replace(RemoteAction, "_action_call_format", _action_call_format, __name__)
    return True
