"""The version fence shared by the Rasa patches: apply nothing on a Rasa they were not written for.

Every patch replaces a piece of Rasa's internals with a copy adapted from Rasa 3.6.21's source. On
another version the piece may have changed in ways the copy does not know, so each patch first asks
`allows()`; on any other version it does nothing and one clear line is logged.

`replace()` marks what it installs, so applying a patch twice does not wrap it twice, and a test can
tell a patched attribute from Rasa's own.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

WRITTEN_FOR = ("3.6.21",)  # the Rasa versions whose source the patches were read against and tested on
SDK_WRITTEN_FOR = ("3.6.2",)  # the same for the action server's patches, against rasa-sdk (released apart)
MARK = "__prescreen_patch__"  # attribute set on every function a patch installs: the patch's module name


def installed_rasa_version() -> str:
    """Rasa's version, read at each call (so a test can pretend to be another version)."""
    import rasa

    return str(rasa.__version__)


def installed_sdk_version() -> str:
    """rasa-sdk's version, read at each call."""
    import rasa_sdk

    return str(rasa_sdk.__version__)


def allows(what: str, versions: Iterable[str] = WRITTEN_FOR, package: str = "rasa") -> bool:
    """True when the installed Rasa (or rasa-sdk, `package="rasa_sdk"`) is one of `versions`; otherwise
    logs why `what` is not applied."""
    versions = tuple(versions)
    installed = installed_sdk_version() if package == "rasa_sdk" else installed_rasa_version()
    if installed in versions:
        return True
    name = "rasa-sdk" if package == "rasa_sdk" else "Rasa"
    log.warning("%s %s is not the version %s written for (%s): running stock %s",
                name, installed, what, ", ".join(versions), name)
    return False


def resolve(target: str) -> tuple[Any, str]:
    """`"rasa.core.tracker_store.SQLTrackerStore.save"` -> (SQLTrackerStore, "save")."""
    parts = target.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1]
    raise ValueError(f"cannot resolve {target!r}")


def raw(owner: Any, name: str) -> Any:
    """The attribute as stored (a staticmethod/classmethod object, not the function it gives)."""
    return owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)


def patched_by(owner: Any, name: str) -> str | None:
    """The patch that installed `owner.name`, or None for Rasa's own."""
    value = raw(owner, name)
    return getattr(getattr(value, "__func__", value), MARK, None)


def replace(owner: Any, name: str, new: Any, patch: str) -> None:
    """Set `owner.name = new`, marked as installed by `patch` (a staticmethod/classmethod is marked inside)."""
    setattr(getattr(new, "__func__", new), MARK, patch)
    setattr(owner, name, new)
