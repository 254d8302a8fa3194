"""Rasa with the speed patches, otherwise exactly bot.rasa_ext.server: `python -m bot.rasa_ext.fast run ...`.

`make run` starts Rasa this way unless RASA_SPEEDUPS=0. The patches live in bot/rasa_ext/patches/,
one module per piece of Rasa they replace, each with what Rasa does, what the patch does and why it
is safe; on a Rasa version they were not written for (3.6.21) none is applied and stock Rasa runs.
"""

from __future__ import annotations


def install() -> list[str]:
    """Apply the speed patches (idempotent); returns the names of those applied."""
    from bot.rasa_ext.patches import apply_all
    from bot.settings import load_settings

    return apply_all(tracker_cache_size=load_settings().tracker_cache_size)


def serve() -> None:
    """Rasa as bot.rasa_ext.server starts it, with whatever patches are already applied."""
    from bot.rasa_ext.server import main as rasa_main

    rasa_main()


def main() -> None:
    install()
    serve()


if __name__ == "__main__":
    main()
