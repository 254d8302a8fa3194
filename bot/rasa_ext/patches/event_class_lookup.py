"""Look up event classes by name in a dict.

Rasa: `Event.resolve_by_type(name)` walks every subclass of `Event` for each stored event it reads,
so loading a tracker of n events walks the class tree n times.
Patch: a found class is remembered per name; a name not yet seen (or unknown, or "topic") goes
through Rasa's own walk, which keeps its default and its error.
Safe: Event subclasses and their `type_name` do not change while Rasa runs; a miss costs what it
cost before.
"""

from __future__ import annotations

from typing import Any

from bot.rasa_ext.patches import fence

RASA_VERSIONS = fence.WRITTEN_FOR
REPLACES = ("rasa.shared.core.events.Event.resolve_by_type",)


def apply() -> bool:
    """Install the patch; False (and nothing changed) on a Rasa it was not written for."""
    if not fence.allows(f"{__name__} was", RASA_VERSIONS):
        return False
    from rasa.shared.core.events import Event

    if fence.patched_by(Event, "resolve_by_type") == __name__:
        return True
    original = Event.resolve_by_type  # a staticmethod: the plain function
    found_classes: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = found_classes.get(type_name)
        if found is not None:
            return found
        resolved = original(type_name, default)
        if resolved is not None and resolved is not default:
            found_classes[type_name] = resolved
        return resolved

    fence.replace(Event, "resolve_by_type", staticmethod(resolve_by_type), __name__)
    return True
