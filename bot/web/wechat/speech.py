"""Where a voice message becomes text.

WeChat transcribes voice messages itself and sends the text as `Recognition`, but the platform is
phasing this out for some accounts. The hospital may plug in its own speech-to-text service later:
a class with `transcribe` (given to `create_app(speech=...)` or `make_blueprint`) that fetches the
voice by its MediaId through the platform's media API and returns the words, or None.
"""

from __future__ import annotations

from typing import Protocol


class SpeechToText(Protocol):
    def transcribe(self, recognition: str, media_id: str, voice_format: str) -> str | None:
        """The words of a voice message, or None when there are none to read."""


class PlatformRecognition:
    """WeChat's own recognition only: the `Recognition` text, when the platform sent one."""

    def transcribe(self, recognition: str, media_id: str, voice_format: str) -> str | None:
        words = recognition.strip().rstrip("。.")  # WeChat ends every recognition with a full stop
        return words or None
