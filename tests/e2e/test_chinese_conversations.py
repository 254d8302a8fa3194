"""Whole Chinese conversations through the real servers (REST channel, the page's language as metadata, as
the chat page sends it), checked against what was stored: every reply in Chinese, the lead's outcome, and
nothing ruled out on a hedge (issue 13)."""

from __future__ import annotations

import uuid

import pytest

from bot.leads.store import LeadNotFound
from bot.trial.criteria import load_criteria
from tests.conftest import LiveStack
from tests.e2e.conversations import eligible_answers, reply_texts, rest_say, tracker_slots, wrong_language

pytestmark = pytest.mark.e2e

CONSENT = "同意"
# A patient who meets every criterion, as a daughter types it for her 67-year-old father.
ELIGIBLE_ZH = ["我爸今年67，去年做的手术", "是的，肠癌肝转移", "做过手术了", "肝上的也切干净了", "没有，复查都正常",
               "阳性", "病理报告上写CEA阳性", "他能自理", "没做过", "没有", "没有", "没有", "没有", "没有", "没有",
               "没有", "没有", "没有"]


class ChineseChat:
    """One patient on the Chinese chat page: sends messages, keeps every reply, checks they are in Chinese."""

    def __init__(self, stack: LiveStack, page: str = "zh") -> None:
        self.stack, self.page, self.sender = stack, page, f"zh-{uuid.uuid4().hex}"
        self.say = rest_say(stack.rest_url)

    def send(self, *messages: str, language: str = "zh") -> list[str]:
        """Send messages in turn; every one must be answered, in `language`. Returns the texts."""
        texts: list[str] = []
        for message in messages:
            replies = self.say(self.sender, message, self.page)
            assert replies, f"no reply to {message!r}"
            wrong = wrong_language(reply_texts(replies), language)
            assert not wrong, f"replies to {message!r} not in {language}: {wrong}"
            texts += [r.get("text", "") for r in replies]
        return texts

    def open_question(self) -> str | None:
        slots = tracker_slots(self.stack.settings.tracker_store_url, self.stack.settings.data_key)(self.sender)
        return slots.get("requested_slot")

    def status(self) -> str | None:
        try:
            return self.stack.store().get_lead(self.sender).provisional_status
        except LeadNotFound:
            return None

    def verdicts(self) -> dict[str, str]:
        return {c["check_id"]: c["verdict"] for c in self.stack.store().get_lead(self.sender).criteria}


def test_eligible_patient_in_chinese_leaves_contact_details(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack)
    chat.send("你好", CONSENT, *ELIGIBLE_ZH)
    assert chat.open_question() == "contact_ok"
    texts = chat.send("可以", "王建国", "１３８ ００１３ ８０００", "微信就是这个手机号", "没有邮箱", "工作日上午",
                      "对的")
    assert any("PS-" in t for t in texts)
    lead = live_stack.store().get_lead(chat.sender)
    assert lead.provisional_status == "likely_eligible"
    assert lead.contact is not None and lead.contact.name == "王建国" and lead.contact.phone == "+8613800138000"
    assert lead.contact.wechat == "+8613800138000"
    answers = {a["check_id"]: a for a in lead.answers}
    # as typed, after the NFKC folding every stored answer gets (full-width "，" is kept as ",")
    assert answers["age"]["patient_text"] == "我爸今年67,去年做的手术"


def test_hedges_about_records_need_review_never_rule_out(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack)
    answers = list(ELIGIBLE_ZH)
    answers[3] = "应该是切干净了吧，医生没细说"  # liver metastases removed: a belief
    answers[4] = "好像没有吧"  # residual disease on scans: a belief
    answers[5] = "好像阴性吧"  # ctDNA: a belief about a record-based result
    answers[6] = "医生没说过"  # CEA staining: never told
    answers[10] = "应该没有吧"  # hepatitis / HIV / syphilis: a belief
    chat.send("你好", CONSENT, *answers, "不用了")
    assert chat.status() == "needs_review"
    verdicts = chat.verdicts()
    assert "does_not_meet" not in verdicts.values()
    for check in ("liver_mets_resected", "residual_disease", "ctdna_positive", "cea_expression", "viral_infection"):
        assert verdicts[check] == "unknown", check


# One per check that can end the questions: (check, what the patient types, age).
EARLY_EXITS = [
    ("age", "我今年80了", 60),
    ("crc_liver_mets", "没有转移，就是肠子里的", 60),
    ("primary_resected", "还没做手术，排到下个月了", 60),
    ("liver_mets_resected", "肝上的没切，医生说切不了", 60),
    ("residual_disease", "有，上个月复查肝上又长了一个", 60),
    ("ctdna_positive", "化疗后查的ctDNA是阴性，报告上写的未检出", 60),
    ("cea_expression", "病理报告上写的免疫组化CEA阴性", 60),
    ("self_care", "不行，基本都躺在床上，吃饭都要人喂", 60),
    ("prior_car_t", "做过，2023年在别的医院做的CAR-T", 60),
    ("recent_trial", "上个礼拜刚参加了一个新药的临床试验", 60),
    ("viral_infection", "有梅毒，还在治疗", 60),
    ("uncontrolled_infection", "有，肺部感染，挂了一个礼拜水还在发烧", 60),
    ("cns_disease", "前年中风过一次", 60),
    ("autoimmune", "有红斑狼疮", 60),
    ("other_cancer", "有，五年前得过乳腺癌", 52),
    ("immunosuppressants", "一直在吃强的松", 60),
    ("gut_inflammation", "有溃疡性结肠炎，挺严重的", 60),
    ("lung_disease", "有慢阻肺，走几步路就喘", 60),
    ("pregnant_or_breastfeeding", "我现在怀孕了，四个月", 35),
    ("pregnancy_plan", "我们打算明年要个孩子", 32),
]


def test_every_check_that_can_end_the_questions_has_a_chinese_exit() -> None:
    assert [check for check, _, _ in EARLY_EXITS] == [c.id for c in load_criteria().checks]


@pytest.mark.parametrize(("check", "ruling", "age"), EARLY_EXITS, ids=[e[0] for e in EARLY_EXITS])
def test_early_exit_in_chinese_is_read_back_then_ends_kindly(
    live_stack: LiveStack, check: str, ruling: str, age: int
) -> None:
    chat = ChineseChat(live_stack)
    before = eligible_answers(check, age, "zh")
    chat.send("你好", CONSENT, *before, ruling)
    assert chat.open_question() == "confirm_exclusion"  # read back first, never decided on one message
    assert chat.status() is None
    texts = chat.send("对")
    assert chat.open_question() == "other_studies_ok"  # then the separate offer to hear about other studies
    assert any("其他研究" in text for text in texts)
    assert chat.status() == "likely_ineligible"
    assert chat.verdicts()[check] == "does_not_meet"
    assert live_stack.store().get_lead(chat.sender).contact is None
    assert chat.send("为什么？")  # the reason, in Chinese


def test_withdrawal_in_chinese_deletes_the_screening(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack)
    chat.send("你好", CONSENT, "60", "是的")
    chat.send("删除我的信息")
    assert chat.open_question() == "confirm_withdrawal"  # nothing erased on one message
    assert live_stack.store().get_lead(chat.sender)
    texts = chat.send("是")
    assert any("删除" in t for t in texts)
    with pytest.raises(LeadNotFound):
        live_stack.store().get_lead(chat.sender)


def test_hand_off_in_chinese_then_back_to_the_question(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack)
    chat.send("你好", CONSENT, "60")
    assert chat.open_question() == "crc_liver_mets"
    chat.send("我想找真人")
    assert chat.open_question() == "crc_liver_mets"
    chat.send("是的")
    assert chat.open_question() == "primary_resected"


def test_english_page_then_chinese_mid_way(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack, page="en")
    chat.send("hi", "yes I agree", "60", language="en")
    chat.send("说中文")  # the open question again, in Chinese
    assert chat.open_question() == "crc_liver_mets"
    chat.send(*ELIGIBLE_ZH[1:], "不用了")
    assert chat.status() == "likely_eligible"


def test_chinese_page_then_english_please(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack)
    chat.send("你好", CONSENT, "60")
    texts = chat.send("English please", language="en")
    assert "spread to the liver" in texts[-1]
    chat.send("yes", language="en")
    assert chat.open_question() == "primary_resected"


def test_chinese_typed_on_an_english_page_switches(live_stack: LiveStack) -> None:
    chat = ChineseChat(live_stack, page="en")
    chat.send("你好，我爸爸是结直肠癌肝转移，能参加吗")
    assert chat.open_question() == "consent"
    chat.send(CONSENT, "67")
    assert chat.open_question() == "crc_liver_mets"
