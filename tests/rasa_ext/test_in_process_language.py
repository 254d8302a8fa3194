"""The in_process_language patch: Rasa's slot extraction sets the `language` slot exactly as it does by
calling action_set_language on a real action server (rasa-sdk's executor behind HTTP)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_ext.patches import fence, in_process_language

# (messages so far as (text, page language in the metadata), the slot before): every branch of the rule.
CONVERSATIONS: list[tuple[list[tuple[str, Any]], str | None]] = [
    ([("/greet", "zh")], None),  # the page's greeting: the page's language
    ([("/greet", None)], None),
    ([("/greet", "zh"), ("hello there", "zh")], "zh"),  # first typed words, in English
    ([("/greet", "zh"), ("ok", "zh"), ("yes", "zh")], "zh"),  # "yes" later in a Chinese conversation: stays
    ([("/greet", "en"), ("你好", "en")], "en"),  # typed Chinese switches at once
    ([("hi", "en"), ("我看不懂英文", "en")], "en"),
    ([("你好", "zh"), ("can we speak English please", "zh")], "zh"),  # asked for
    ([("你好", "zh"), ("CEA 阳性", "zh")], "zh"),
    ([("/affirm", "en")], "zh"),  # a button keeps the settled language
    ([("40", "zh-CN")], None),  # a page's "zh-CN"
    ([("hello", ["not", "a", "dict"])], None),  # odd metadata is ignored
    ([("I'm not sure what CAR-T is", "fr")], "zh"),  # an unknown page language; a first typed English sentence
]


def _tracker(domain: Domain, messages: list[tuple[str, Any]], slot: str | None) -> DialogueStateTracker:
    clock = itertools.count(1_700_000_000)
    tracker = DialogueStateTracker("p1", domain.slots)
    if slot:
        tracker.update(SlotSet("language", slot, timestamp=next(clock)))
    for text, page in messages:
        tracker.update(ActionExecuted("action_listen", timestamp=next(clock)))
        metadata = {} if page is None else {"lang": page}
        tracker.update(UserUttered(text, {"name": "affirm", "confidence": 0.9}, [], {"text": text},
                                   metadata=metadata, timestamp=next(clock)))
    return tracker


async def _action_server() -> tuple[Any, str]:
    """rasa-sdk's executor with the project's action_set_language, behind a loopback HTTP server."""
    from aiohttp import web
    from rasa_sdk.executor import ActionExecutor

    from actions.language import ActionSetLanguage

    executor = ActionExecutor()
    executor.register_action(ActionSetLanguage)

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response(await executor.run(await request.json()))

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"  # type: ignore[union-attr]


async def _extracted(domain: Domain, url: str) -> list[list[dict[str, Any]]]:
    action = ActionExtractSlots(EndpointConfig(url))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    found = []
    for messages, slot in CONVERSATIONS:
        events = await action.run(CollectingOutputChannel(), nlg, _tracker(domain, messages, slot), domain)
        found.append([{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in events])
    return found


def test_the_language_slot_is_set_as_the_action_server_sets_it(stock_rasa: None, domain: Domain) -> None:
    async def run() -> tuple[list[Any], list[Any], list[Any]]:
        runner, url = await _action_server()
        try:
            rasas = await _extracted(domain, url)
            assert in_process_language.apply()
            patched = await _extracted(domain, url)
        finally:
            await runner.cleanup()
        without_server = await _extracted(domain, "http://127.0.0.1:9/webhook")  # nothing listens: no call made
        return rasas, patched, without_server

    rasas, patched, without_server = asyncio.run(run())
    assert patched == rasas == without_server
    languages = [events[0]["value"] if events else None for events in rasas]
    assert languages == ["zh", "en", "en", None, "zh", "zh", "en", None, None, "zh", "en", "en"]
    assert fence.patched_by(ActionExtractSlots, "_run_custom_action") == in_process_language.__name__
