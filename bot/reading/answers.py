"""The readers' former single module, kept so that callers outside this layer (the lead store, tools)
keep working. New code imports from `bot.reading`."""

from bot.reading import *  # noqa: F403
from bot.reading import __all__  # noqa: F401
