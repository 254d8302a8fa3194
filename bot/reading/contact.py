"""Read contact details: a name, a phone number, an email address, a time to call, or a skip. No Rasa here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from bot.languages import DEFAULT_LANGUAGE
from bot.reading.chinese import HAN_CHARS, fold_width
from bot.reading.phone_zh import read_mainland_phone
from bot.reading.text import clean_text, normalise

_SKIP = (
    "skip", "no", "none", "n a", "na", "nope", "no thanks", "no thank you", "no email", "no phone",
    "don't have one", "dont have one", "do not have one", "i don't have", "i dont have", "rather not",
    "prefer not", "i'd rather not", "pass", "not applicable", "nothing",
    "跳过", "没有", "不用", "不方便", "不用了", "没有的", "不留", "不想留", "算了", "无",
)
_RELATIVE = (
    r"(?:father|dad|daddy|mother|mum|mom|mummy|husband|wife|son|daughter|brother|sister|partner|uncle|aunt|"
    r"grandfather|grandmother|grandpa|grandma|friend|patient)"
)
_NAME_PREFIX = re.compile(
    r"^\s*(?:(?:hi|hello)[,!\s]+)?(?:(?:my|his|her|the|our) (?:full )?name is|my name's|name is|name's|"
    r"(?:my|our) " + _RELATIVE + r"(?:'s| is called| is named)(?: (?:full )?name(?: is)?)?|"
    r"(?:he|she) is called|(?:he|she)'s called|(?:he|she) is|(?:he|she)'s|i am|i'm|im|it's|its|it is|"
    r"this is|call me|you can call me|ask for|please ask for|just)\s+",
    re.IGNORECASE,
)
# Words no name is made of: a sentence typed instead of a name ("I'd rather not say").
_NOT_NAME_WORDS = frozenset({
    "not", "rather", "prefer", "say", "skip", "want", "don't", "dont", "why", "what", "would", "need", "no",
    "yes", "thanks", "thank", "sure", "ok", "okay", "please", "is", "are", "the", "my", "your", "name",
    "number", "phone", "email", "anonymous", "private", "nothing", "none", "later", "tell", "give", "know",
})
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ .'\-][^\W\d_]*)*\.?$", re.UNICODE)
# An e-mail address: the whole text (_EMAIL), or inside a longer message (_EMAIL_INSIDE).
_EMAIL_INSIDE = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_EMAIL = re.compile(rf"^{_EMAIL_INSIDE.pattern}$")
MAX_NAME_CHARS = 80
MAX_CONTACT_TIME_CHARS = 100

# "email only please" to the phone question, "I'd rather not" to the email question
_SKIP_PATTERN = re.compile(
    r"^(?:skip|pass)\b|(?:rather not|prefer not|don't have|dont have|do not have|no) (?:one|a phone|a mobile|an email|"
    r"email|e mail|phone|mobile)|(?:only|just|by|via|use|prefer|rather) (?:e mail|email|phone|text|a call|calls?)\b|"
    r"(?:e mail|email|phone) (?:only|instead|is better|is fine|please)\b"
)

# "不用邮箱", "我没有微信", "邮箱就不用了", "不留电话了": no such channel, in Chinese
_CHANNEL_ZH = r"(?:邮箱|邮件|电子邮箱|email|电话|手机|手机号|座机|微信|微信号)"
_SKIP_ZH = re.compile(
    r"(?:我|我们|他|她)?(?:就|也|还是)?(?:不用|没有|没|不留|不想留|不要|不需要|不给|不用留|没用)(?:了|过)?"
    + _CHANNEL_ZH + r"(?:了|吧|的|啊|呢)?(?:谢谢)?|"
    + _CHANNEL_ZH + r"(?:就|也|还是)?(?:不用|没有|不留|不要|不需要|算了)(?:了|吧|的)?(?:谢谢)?"
)


def is_skip(text: str) -> bool:
    normal = normalise(text)
    if not normal:
        return False
    if normal in _SKIP or text.strip() == "/deny":
        return True
    if re.search(r"\d{3}|@", text):
        return False
    return bool(_SKIP_PATTERN.search(normal) or _SKIP_ZH.fullmatch(normal.replace(" ", "")))


# --- Chinese names: 王建国, 欧阳娜娜, 李娜; 王先生, 李阿姨, 老王 as typed; 阿卜杜·热合曼 with its middle dot.
_HAN_CHAR = f"[{HAN_CHARS}]"
_ZH_RELATIVE = (
    r"(?:爸爸|爸|父亲|老爸|妈妈|妈|母亲|老妈|老公|丈夫|先生|爱人|老婆|妻子|太太|儿子|女儿|哥哥|姐姐|弟弟|妹妹|"
    r"病人|患者|家属)"
)
_ZH_NAME_PREFIX = re.compile(
    r"^\s*(?:(?:你好|您好)[,，!！\s]*)?"
    r"(?:(?:我|本人)?(?:的)?(?:名字|姓名)(?:是|叫)?|我叫|我是|叫我|叫|本人|(?:我的?|他的?|她的?)?" + _ZH_RELATIVE
    + r"(?:的名字)?(?:叫|是)|姓名|名字)\s*[:：]?\s*"
)
_ZH_SURNAME_ONLY = re.compile(r"^\s*(?:我|本人|他|她)?姓\s*(" + _HAN_CHAR + r"{1,2})[。.!！]*\s*$")
_ZH_TITLES = r"(?:先生|女士|小姐|太太|阿姨|叔叔|伯伯|阿婆|阿公|老师|师傅|大爷|大妈|奶奶|爷爷|老伯|阿伯)"
_ZH_NAME = re.compile(
    r"^(?:" + _HAN_CHAR + r"{2,4}|" + _HAN_CHAR + r"{1,3}" + _ZH_TITLES + r"|"
    + _HAN_CHAR + r"{1,6}(?:[·・•]" + _HAN_CHAR + r"{1,6}){1,2})$"
)
# Characters of sentences, not of names: "我不想告诉你名字", "没有", "你好吗".
_ZH_NOT_NAME_CHARS = re.compile(r"[不没了吗呢吧啊呀哦嗯的我你您他她们这么谁什想告诉]")
_ZH_NOT_NAMES = frozenset({
    "是的", "好的", "可以", "知道", "谢谢", "跳过", "算了", "保密", "匿名", "随便", "先生", "女士", "患者", "病人",
    "家属", "姓名", "名字", "对的", "可以的", "没问题", "稍等", "等等", "再见", "拜拜", "中文", "英文", "电话", "手机",
    "微信", "邮箱", "上午", "下午", "晚上", "随时",
})
# "I'd rather not say", "我不想告诉你名字": a kind answer (any name or title will do), not "that's not a name".
_DECLINES_NAME = re.compile(
    r"\b(?:rather not|prefer not|don'?t want to|do not want to|won'?t|not comfortable|none of your business|"
    r"anonymous|private|confidential|skip)\b|不想(?:告诉|说|留|给|透露)|不(?:告诉|方便(?:说|留|透露)?|便透露)|"
    r"不愿意|保密|匿名|隐私|跳过|不留名|不用(?:留)?名字|不说名字|名字(?:就|还是|先)?(?:不|别)(?:留|写|给|说)",
    re.IGNORECASE,
)


def declines_name(text: str) -> bool:
    """ "I'd rather not say", "我不想告诉你名字", "保密": the patient would rather not give a name."""
    return bool(_DECLINES_NAME.search(clean_text(text, 200)))


def _read_chinese_name(text: str) -> str | None:
    """A name in Han characters (prefixes such as 我叫 / 我爸叫 taken off); a surname alone after 姓 (我姓王 -> 王)."""
    surname = _ZH_SURNAME_ONLY.match(text)
    if surname:
        return surname.group(1)
    name = re.sub(rf"(?<={_HAN_CHAR})\s+(?={_HAN_CHAR})", "", text.strip(" ,.!。，！、"))  # "王 建国"
    if not _ZH_NAME.match(name) or name in _ZH_NOT_NAMES or _ZH_NOT_NAME_CHARS.search(name):
        return None
    return name


def _name_in_last_clause(text: str) -> str | None:
    """ "联系我就行，我是他女儿，叫刘婷": the name in the sentence's last clause, when it says 叫 / 名字 / 姓名."""
    clauses = [c for c in re.split(r"[,，。；;！!]", clean_text(text, 200)) if c.strip()]
    if len(clauses) < 2 or not re.match(r"\s*(?:我|本人|他|她)?(?:的)?(?:叫|名字|姓名)", clauses[-1]):
        return None
    name = _ZH_NAME_PREFIX.sub("", clauses[-1])
    return _read_chinese_name(name) if re.search(_HAN_CHAR, name) else None


def read_name(text: str) -> str | None:
    """A person's name as typed (any script), without "my name is" / "我叫"; None if it isn't one.

    Chinese names are two to four Han characters (王建国, 欧阳娜娜), a surname with a title as typed
    (王先生, 李阿姨), or a surname alone after 姓 (我姓王 -> 王); pinyin is read as any Latin name.
    """
    cleaned = clean_text(text, 200)
    if re.search(_HAN_CHAR, cleaned):
        cleaned = _ZH_NAME_PREFIX.sub("", _NAME_PREFIX.sub("", cleaned))
        if re.search(_HAN_CHAR, cleaned):
            return _read_chinese_name(cleaned) or _name_in_last_clause(text)
    name = _NAME_PREFIX.sub("", cleaned).strip(" ,.!")  # "Wang Jianguo", "我叫 Wang Jianguo", "my name is Mary"
    if not name or len(name) > MAX_NAME_CHARS or not _NAME_CHARS.match(name):
        return None
    if normalise(name) in _SKIP or len(name.split()) > 6:
        return None
    if any(word in _NOT_NAME_WORDS for word in normalise(name).split()):
        return None
    return name


_PHONE_LEAD_WORDS = frozenset({
    "it's", "its", "it", "is", "my", "his", "her", "our", "the", "number", "phone", "mobile", "cell", "tel",
    "telephone", "you", "can", "call", "me", "him", "us", "on", "at", "reach", "ring", "text", "best",
    "dad's", "mum's", "mom's", "wife's", "husband's", "son's", "daughter's", "please", "use", "try", "ok", "sure",
    "yes", "here", "this", "one", "number's", "phone's",
})


# +44 20..., 0044 20...: a number with a country code other than China's, read as in English.
_INTERNATIONAL = re.compile(r"(?:^|[^\d\s\-.])\s*(?:\+|00)\s*(?!86)[1-9]")
# A language whose patients write their own country's numbers their own way ("幺三八…", "138-1234-5678"
# without +86): its reader, by the language's code, a reading rule of that language (the others: as in English).
_NATIONAL_PHONE: Mapping[str, Callable[[str], str | None]] = {"zh": read_mainland_phone}


def read_phone(text: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """A phone number with 7 to 15 digits, kept as + and digits; None otherwise.

    In a Chinese conversation ("zh") mainland numbers are read as Chinese patients write them and
    stored in E.164 (+8613800138000); a number with another country code is read as in English.
    """
    national = _NATIONAL_PHONE.get(language)
    if national is not None:
        mainland = national(text)
        if mainland or not _INTERNATIONAL.search(fold_width(text)):
            return mainland
    raw = clean_text(text, 100)
    raw = re.sub(r"^(?:my )?(?:phone|mobile|cell|number|tel)[\w\s]*?(?:is|:)\s*", "", raw, flags=re.IGNORECASE)
    # "it's 138 1234 5678", "you can call me on ...", "my dad's mobile is ...": the words before the number
    lead = re.match(r"^\s*((?:[A-Za-z']+[\s,:]+){1,8}?)(?=\+?[\d(])", raw)
    if lead and set(normalise(lead.group(1)).split()) <= _PHONE_LEAD_WORDS:
        raw = raw[lead.end(1):]
    if re.search(r"[A-Za-z@]", raw) and not re.fullmatch(r"[\d\s()+.\-]*(?:ext\.?|x)\s*\d+", raw, re.IGNORECASE):
        return None
    if not re.fullmatch(r"\+?[\d\s()./\-]+", raw.strip()):
        return None
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return None
    return ("+" if raw.strip().startswith("+") else "") + digits


_EMAIL_LEAD_WORDS = frozenset({
    "you", "can", "email", "e mail", "mail", "me", "him", "her", "us", "at", "on", "it's", "its", "it", "is", "my",
    "his", "our", "address", "the", "use", "please", "try", "send", "to", "here", "ok", "sure", "yes", "dad's",
    "mum's", "mom's", "wife's", "husband's", "son's", "daughter's", "best", "one", "that's", "thats",
})


_EMAIL_LEAD_ZH = re.compile(
    r"^(?:(?:我|我的|他的|她的)?(?:电子)?(?:邮箱|邮件|邮箱地址|email|e-mail)(?:地址)?(?:是|为)?|发(?:邮件)?到)\s*[:：]?\s*",
    re.IGNORECASE,
)


def read_email(text: str) -> str | None:
    """An email address, with its domain lower-cased; None if it is not one."""
    candidate = clean_text(text, 254).strip(" .,;<>")
    candidate = re.sub(r"^(?:my )?e-?mail(?: address)?(?: is|:)?\s*", "", candidate, flags=re.IGNORECASE)
    candidate = _EMAIL_LEAD_ZH.sub("", candidate)  # "邮箱是 li.na@example.com", "我的邮箱：..."
    words = candidate.split()
    found = [word.strip(" .,;:<>()") for word in words if "@" in word]
    others = {normalise(word) for word in words if "@" not in word}
    if len(found) == 1 and len(words) > 1 and others <= _EMAIL_LEAD_WORDS:  # "you can email me at li@qq.com"
        candidate = found[0]
    if " " in candidate or not _EMAIL.match(candidate) or ".." in candidate:
        return None
    local, domain = candidate.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def read_contact_time(text: str) -> str | None:
    """When the patient prefers to be called, as typed (short, printable); None if empty or too long."""
    cleaned = clean_text(text, MAX_CONTACT_TIME_CHARS + 1)
    if not cleaned or len(cleaned) > MAX_CONTACT_TIME_CHARS or re.search(r"[<>]", cleaned):
        return None
    return cleaned


# WeChat's own rules for an ID: 6-20 characters, a letter first, then letters, digits, _ or -.
_WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{5,19}")
_WECHAT_LEAD = re.compile(
    r"^\s*(?:我的)?(?:微信号?|wechat(?: id)?|weixin)(?:号码?|是|id)?\s*[:：是]?\s*", re.IGNORECASE
)
SAME_AS_PHONE = re.compile(
    r"同(?:手机)?号|同手机|和(?:这个|我的)?(?:手机|电话)(?:号)?一样|就是(?:这个|我的|上面的|刚才的)?(?:手机|电话)号?|"
    r"same as (?:my |the )?(?:phone|mobile|number)",
    re.IGNORECASE,
)


def read_wechat(text: str, phone: str | None = None) -> str | None:
    """A WeChat ID ("微信号：wxid_abc123"), or the phone number when it is the same (微信同手机号); None otherwise.

    A mainland mobile number is also a valid WeChat ID, stored as typed digits.
    """
    if SAME_AS_PHONE.search(text):
        return phone or None
    candidate = _WECHAT_LEAD.sub("", clean_text(text, 60)).strip(" .,;。，")
    if _WECHAT_ID.fullmatch(candidate):
        return candidate
    digits = re.sub(r"[\s\-]", "", candidate)
    return digits if re.fullmatch(r"1[3-9]\d{9}", digits) else None


# "加我微信吧，微信号 zhouli_1962", "my WeChat is lina_1966": a WeChat ID named as one, whatever is asked.
_WECHAT_NAMED = re.compile(
    r"(?:微信号?|wechat(?: id)?|weixin)\s*(?:号码?|是|id|is)?\s*[:：是]?\s*"
    r"([A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-@.])",
    re.IGNORECASE,
)


def read_wechat_named(text: str) -> str | None:
    """A WeChat ID the patient names as one ("微信号 zhouli_1962"), e.g. given to the phone question; None otherwise."""
    found = {match.group(1) for match in _WECHAT_NAMED.finditer(clean_text(text, 100))}
    return found.pop() if len(found) == 1 else None


def read_email_named(text: str) -> str | None:
    """An email address in a sentence that calls it one ("邮箱是 li.na@example.com"); None otherwise."""
    if not re.search(r"邮箱|邮件|e-?mail", text, re.IGNORECASE):
        return None
    found = _EMAIL_INSIDE.findall(text)
    return read_email(found[0]) if len(found) == 1 else None


# A contact inside a longer message: "Margaret Hill, mhill@outlook.com", "张美华 13812345678".
_PHONE_INSIDE = re.compile(r"(?<![A-Za-z0-9@.])\+?\(?\d[\d\s()\-./]{5,}\d(?![A-Za-z0-9@])")
# Words that name the contact next to it ("my email is", "phone:", "邮箱是", "电话"): not part of the name.
_CONTACT_LEAD = re.compile(
    r"(?:^|\s)(?:(?:and|or)\s+)?(?:(?:my|his|her|the|our)\s+)?(?:e-?mail|mail|email address|address|phone|mobile|"
    r"cell|tel|number|phone number|mobile number|contact)(?:\s+(?:is|at))?\s*[:：]?\s*$|"
    r"(?:我的|他的|她的)?(?:电子|電子)?(?:[邮郵](?:箱|件)(?:地址)?|[电電][话話]|手[机機](?:[号號])?|[号號][码碼]|"
    r"[联聯][系繫](?:方式|[电電][话話]))(?:是|为|為)?\s*[:：]?\s*$",
    re.IGNORECASE,
)


def read_name_and_contact(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, str] | None:
    """(name, contact) for a name and one phone number or e-mail address typed together ("Margaret Hill,
    mhill@outlook.com", "张美华 13812345678", "I'm Tan Ah Kow, 9123 4567"); None when either is missing."""
    cleaned = clean_text(text, 300)
    emails = _EMAIL_INSIDE.findall(cleaned)
    phones = [] if emails else _PHONE_INSIDE.findall(cleaned)
    if len(emails) + len(phones) != 1:
        return None
    found = (emails or phones)[0]
    contact = read_email(found) if emails else read_phone(found, language)
    if contact is None:
        return None
    pieces = re.split(r"[,，;；/\n、]|\s(?:and|or)\s|和", cleaned.replace(found, ","))
    pieces = [_CONTACT_LEAD.sub("", piece).strip(" .。!！-–—:：") for piece in pieces]
    names = [name for piece in pieces if piece and (name := read_name(piece))]
    if len(names) != 1 or len([piece for piece in pieces if piece]) != 1:
        return None  # a sentence around the details, or two names: not read as a name here
    return names[0], contact
