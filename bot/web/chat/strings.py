"""The words of the chat page's own interface (the assistant's words come from Rasa).

Only the page chrome is here: buttons, hints, the notices and the "can't reach the assistant"
banner. `{phone}`, `{emergency}`, `{max}`, `{n}` and `{s}` are filled in by the page.
"""

from __future__ import annotations

DEFAULT_LANG = "en"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "html_lang": "en",
        "restart": "Start over",
        "notice_label": "Important",
        "notice": (
            "This assistant checks whether a research study might suit you. "
            "It does not give medical advice."
        ),
        "emergency": "In an emergency, call {emergency}.",
        "contact": "Study team:",
        "privacy": "Privacy notice",
        "log_label": "Conversation",
        "you": "You said:",
        "bot": "Assistant said:",
        "input_label": "Your message",
        "hint": "Press Enter to send, Shift+Enter for a new line. Up to {max} characters.",
        "send": "Send",
        "typing": "The assistant is typing…",
        "quick_replies": "Suggested answers",
        "confirm_text": (
            "Start over? This clears the conversation on this device and the assistant begins again."
        ),
        "confirm_yes": "Yes, start over",
        "confirm_no": "Cancel",
        "offline_title": "We can't reach the assistant right now.",
        "offline_body": "Your message is kept and we'll retry. You can also call the study team on",
        "retry_in": "Trying again in {s} seconds.",
        "retry_in_one": "Trying again in 1 second.",
        "retrying": "Trying again now…",
        "try_now": "Try now",
        "back_online": "Connected again.",
        "not_sent": "Not sent yet: we'll send it when the assistant is back.",
        "too_long": "Your message is too long. Please keep it under {max} characters.",
        "count": "{n} of {max} characters used.",
        "rejected": "That message could not be sent. Please try again with different words.",
        "empty": "Please type a message first.",
        "unavailable": (
            "We can't reach the assistant right now. Please try again in a moment, "
            "or call the study team on {phone}."
        ),
        "page_title": "{title}",
        "skip": "Skip to message box",
    },
    "zh": {
        "html_lang": "zh-CN",
        "restart": "重新开始",
        "notice_label": "重要提示",
        "notice": "本助手帮助您初步了解一项临床研究是否可能适合您，不提供医疗建议。",
        "emergency": "如遇紧急情况，请拨打 {emergency}。",
        "contact": "研究团队电话：",
        "privacy": "隐私声明",
        "log_label": "对话记录",
        "you": "您说：",
        "bot": "助手说：",
        "input_label": "您的消息",
        "hint": "按 Enter 发送，Shift+Enter 换行。最多 {max} 个字符。",
        "send": "发送",
        "typing": "助手正在输入…",
        "quick_replies": "可选回答",
        "confirm_text": "要重新开始吗？这会清除本设备上的对话，助手将从头开始。",
        "confirm_yes": "是，重新开始",
        "confirm_no": "取消",
        "offline_title": "暂时无法连接到助手。",
        "offline_body": "您的消息已保留，我们会自动重试。您也可以拨打研究团队电话",
        "retry_in": "{s} 秒后重试。",
        "retry_in_one": "1 秒后重试。",
        "retrying": "正在重试…",
        "try_now": "立即重试",
        "back_online": "已重新连接。",
        "not_sent": "尚未发送：助手恢复后会自动发送。",
        "too_long": "您的消息太长，请控制在 {max} 个字符以内。",
        "count": "已输入 {n} / {max} 个字符。",
        "rejected": "这条消息无法发送，请换一种说法再试。",
        "empty": "请先输入消息。",
        "unavailable": "暂时无法连接到助手。请稍后再试，或拨打研究团队电话 {phone}。",
        "page_title": "{title}",
        "skip": "跳到输入框",
    },
}


def pick_lang(requested: str | None) -> str:
    """The supported language closest to `requested` ("zh-CN" → "zh"), else the default."""
    if not requested:
        return DEFAULT_LANG
    code = requested.strip().lower().replace("_", "-").split("-")[0]
    return code if code in STRINGS else DEFAULT_LANG


def strings_for(lang: str) -> dict[str, str]:
    return STRINGS.get(lang, STRINGS[DEFAULT_LANG])
