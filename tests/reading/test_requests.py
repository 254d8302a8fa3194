"""Requests read from patients' words (no Rasa): stop and delete, start over, a person, "why?", questions."""

from __future__ import annotations

import pytest

from bot.reading import (
    asks_to_start_over,
    asks_to_withdraw,
    asks_why,
    consent_words,
    contact_confirmation_words,
    is_question,
    is_side_request,
    read_yes_no,
)
from bot.reading.requests import HANDOFF_WORDS, clearly_requested, leaves_for_now, wants_to_stop


@pytest.mark.parametrize(
    ("text", "withdraw", "start_over"),
    [
        ("stop and delete my answers", True, False),
        ("/withdraw", True, True),  # a button says so by itself
        ("I forget", False, False),
        ("I don't want to answer that", False, False),
        ("can we start again", False, True),
        ("please " * 200 + "delete", False, False),  # too long to be a request
    ],
)
def test_destructive_requests_need_words_that_say_so(text: str, withdraw: bool, start_over: bool) -> None:
    assert asks_to_withdraw(text) is withdraw
    assert asks_to_start_over(text) is start_over


@pytest.mark.parametrize(
    ("text", "why"),
    [("why am I not eligible?", True), ("how come", True), ("but why", True), ("which answer was it", True),
     ("no", False), ("I had CAR-T, why?", False)],
)
def test_asks_why(text: str, why: bool) -> None:
    assert asks_why(text) is why


@pytest.mark.parametrize(
    ("text", "question"),
    [("what is the consent for?", True), ("is it safe?", True), ("who sees my answers", True),
     ("yes, but is it safe?", False), ("will do", False), ("fine", False),
     ("这些信息会给谁看？", True), ("谁能看到我的回答", True), ("好的", False), ("可以", False), ("我同意", False),
     # spoken, with no question mark: a question about stopping chemotherapy, not an answer (v_stop_chemo_voice)
     ("um so if I do this would I like have to stop my chemo or can I keep going with it", True),
     ("would i have to stop my chemo tablets", True), ("no i would not", False),
     ("可以，請問吧", False), ("你问吧", False)],  # vz_tw_age: "go ahead and ask" at the consent question
)
def test_is_question(text: str, question: bool) -> None:
    assert is_question(text) is question


@pytest.mark.parametrize(
    ("intent", "text", "side"),
    [("ask_car_t", "what is CAR-T", True), ("ask_car_t", "CAR-T is what exactly?", True),
     ("ask_car_t", "I had CAR-T in 2023", False), ("ask_why", "why", True),
     ("human_handoff", "can I talk to a person", True), ("human_handoff", "ask my doctor", False),
     ("affirm", "what?", False), ("ask_risks", "is it safe? " * 60, False),
     # Chinese side questions, with or without a question mark; statements with the same words are answers
     ("ask_car_t", "CAR-T是什么", True), ("ask_car_t", "CAR-T是什么？", True), ("ask_risks", "这个安全吗", True),
     ("ask_location", "在哪家医院", True), ("ask_involvement", "要住院吗", True), ("ask_why", "为什么问这个", True),
     ("ask_car_t", "我做过CAR-T", False), ("ask_car_t", "没做过CAR-T", False), ("ask_ctdna", "ctDNA是阳性", False),
     ("ask_ctdna", "不知道ctDNA是什么", False), ("ask_location", "在长海医院做的手术", False)],
)
def test_is_side_request(intent: str, text: str, side: bool) -> None:
    assert is_side_request(intent, text) is side


@pytest.mark.parametrize(("text", "consent", "contact_ok"), [
    ("不同意，我再考虑考虑", "no", "unsure"),
    ("算了，不要了，谢谢", "no", "no"),
    ("不用了谢谢", "no", "no"),
    ("同意", "yes", "yes"),
    ("我考虑一下", None, "unsure"),
    ("go ahead", "yes", None),
    ("ok lor", "yes", "yes"),  # v_sg_consent_ok_lor
    ("覅了，谢谢侬", "no", "no"),  # vz_sh_contact_fiao: 覅 (Shanghainese) is 不要
])
def test_consent_and_contact_permission_in_chinese(text: str, consent: str | None, contact_ok: str | None) -> None:
    from bot.reading import contact_ok_words

    for words, wanted in ((consent_words(), consent), (contact_ok_words(), contact_ok)):
        reading = read_yes_no(text, words=words)
        assert (reading.value if reading else None) == wanted, (text, wanted)


def test_consent_and_contact_confirmation_words_come_from_the_words_file() -> None:
    assert "go ahead" in consent_words()["yes"] and "no" not in consent_words()["no"]
    assert read_yes_no("fine by me", words=consent_words()).value == "yes"  # type: ignore[union-attr]
    assert read_yes_no("fine by me") is None  # without the consent words, unreadable
    assert read_yes_no("the phone is wrong", words=contact_confirmation_words()).value == "no"  # type: ignore[union-attr]
    assert read_yes_no("all good", words=contact_confirmation_words()).value == "yes"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "withdraw", "start_over", "handoff", "why"),
    [
        ("删除我的信息", True, False, False, False), ("我不想参加了", True, False, False, False),
        ("退出", True, False, False, False), ("重新开始", False, True, False, False),
        ("我想和人工说话", False, False, True, False), ("转人工", False, False, True, False),
        ("我想跟真人聊", False, False, True, False), ("我想和医生说话", False, False, True, False),
        ("为什么问这个", False, False, False, True), ("问这个干嘛", False, False, False, True),
        ("没有", False, False, False, False), ("不知道", False, False, False, False),
    ],
)
def test_chinese_requests(text: str, withdraw: bool, start_over: bool, handoff: bool, why: bool) -> None:
    assert asks_to_withdraw(text) is withdraw
    assert asks_to_start_over(text) is start_over
    assert bool(HANDOFF_WORDS.search(text)) is handoff
    assert asks_why(text) is why


@pytest.mark.parametrize(("text", "withdraws"), [
    ("can I stop the treatment later?", False),  # a question about leaving one day: answered, nothing erased
    ("can I leave the study later?", False),
    ("what if I want to quit the trial halfway?", False),
    ("如果以后不想参加了可以退出吗？", False),
    ("治疗到一半能退出吗", False),
    ("can we stop now?", True),
    ("stop", True),
    ("I want to stop and delete everything", True),
    ("我不想参加了", True),
    ("删除我的信息", True),
])
def test_a_question_about_leaving_later_is_not_a_withdrawal(text: str, withdraws: bool) -> None:
    assert asks_to_withdraw(text) is withdraws
    assert clearly_requested("withdraw", text) is withdraws


@pytest.mark.parametrize(("text", "leaves"), [
    ("好的，我先去问问医生，回头再来", True),  # to carry on later: the question stays open, nothing is erased
    ("我问问家里人，改天再填", True),
    ("ok, I'll come back later", True),
    ("我得问问医生", False),  # an answer ("not sure"), not leaving
    ("回头看看报告", False),
    ("不想参加了，删除我的信息", False),  # a withdrawal
])
def test_leaving_for_now(text: str, leaves: bool) -> None:
    assert leaves_for_now(text) is leaves


@pytest.mark.parametrize(("text", "stops_else"), [
    ("would i have to stop my chemo tablets to do this?", True),  # a question, never a withdrawal
    ("do I need to stop capecitabine first?", True),
    ("will I have to quit work?", True),
    ("参加这个要停掉化疗吗？", True),
    ("要停药吗", True),
    ("化疗要先停吗", True),
    ("can I stop the treatment later?", False),  # leaving the study one day: its own topic
    ("I want to stop", False),
    ("我不想参加了", False),
])
def test_stopping_something_else_is_not_a_withdrawal(text: str, stops_else: bool) -> None:
    from bot.reading.requests import stops_something_else

    assert stops_something_else(text) is stops_else
    if stops_else:
        assert not asks_to_withdraw(text) and not clearly_requested("withdraw", text)


@pytest.mark.parametrize(("text", "confirmed"), [
    ("/withdraw", True), ("是", True), ("确定", True), ("删吧", True), ("yes delete", True), ("delete it", True),
    ("/deny", False), ("no", False), ("不要删", False), ("别删", False), ("don't delete it", False),
    ("carry on", False), ("继续", False), ("yes?", False), ("what happens to my answers?", False), ("", False),
])
def test_confirming_a_withdrawal_takes_a_tap_or_a_yes(text: str, confirmed: bool) -> None:
    from bot.reading.requests import confirms_withdrawal

    assert confirms_withdrawal(text) is confirmed


def test_a_spoken_question_about_stopping_chemo_is_no_answer() -> None:
    """v_stop_chemo_voice: asked at "have you been in another study?", "if I do this" is no "I do"."""
    from bot.reading.check_answer import read_check_answer
    from bot.reading.requests import phrased_as_question
    from bot.trial.criteria import load_criteria

    text = "um so if I do this would I like have to stop my chemo or can I keep going with it"
    assert phrased_as_question(text)
    assert read_check_answer(load_criteria().check("recent_trial"), text) is None


@pytest.mark.parametrize(("text", "confirmed"), [
    ("/start_over", True), ("是", True), ("好的", True), ("确定", True), ("重来吧", True), ("清空吧", True),
    ("yes", True), ("yes start again", True), ("ok", True), ("yes please", True), ("可以", True),
    ("/deny", False), ("no", False), ("nope", False), ("不用了", False), ("算了", False), ("不要重新开始", False),
    ("别从头来了", False), ("继续", False), ("接着问吧", False), ("carry on", False), ("don't start over", False),
    ("no, keep going", False), ("no just ask me that question again", False), ("start over?", False),
    ("will I lose my answers?", False), ("", False),
])
def test_confirming_a_start_over_takes_a_tap_or_a_yes(text: str, confirmed: bool) -> None:
    from bot.reading.requests import confirms_start_over

    assert confirms_start_over(text) is confirmed


@pytest.mark.parametrize(("text", "withdraw"), [
    # how people say "I don't want to go on / delete what I said", in every variety
    ("I'd rather not carry on with this", True),
    ("rather not continue, thanks", True),
    ("bin my answers please", True),
    ("scrap the whole thing", True),
    ("scrap my answers", True),
    ("count me out", True),
    ("let's call it a day", True),
    ("I'd like to pull out", True),
    ("i dont want to go on", True),
    ("not going on with this", True),
    ("不想搞了", True),
    ("不弄了", True),
    ("不想再填了", True),
    ("我不想做下去了", True),
    ("不整了", True),
    ("唔做喇", True),
    ("唔參加喇", True),
    ("阿拉勿参加了", True),
    ("不做了啦", True),
    # answers and questions that are not a withdrawal
    ("I'd rather not say", False),
    ("not going on holiday this year", False),
    ("I've bin taking tablets for it", False),
    ("no, the bin men come on Monday", False),
    ("不想回答", False),
    ("不想做化疗了", False),
    ("不是", False),
    ("没有", False),
    ("不知道", False),
])
def test_withdrawals_in_everyday_words(text: str, withdraw: bool) -> None:
    assert asks_to_withdraw(text) is withdraw
    assert clearly_requested("withdraw", text) is withdraw


@pytest.mark.parametrize("text", [
    # mid-question, in words the NLU may take for an answer (vz_withdraw_carry_on, vz_withdraw_then_answer,
    # v_withdraw_british): the questions read these themselves and ask to confirm the erasure
    "不想弄了", "不想继续了", "我不想继续下去了", "算了，不想搞了", "算了算了 不做了", "不想再填了", "真的不想做了",
    "不想繼續了", "不想弄了啦",  # Traditional
    "唔想做喇", "唔想繼續喇", "唔做喇，刪咗我啲資料",  # Cantonese
    "勿想做了", "阿拉勿参加了",  # Shanghainese
    "我要退出", "退出", "别问了", "把我的资料都删掉", "删除我的信息", "全删了吧",
    "actually I'd rather not go on, please bin what I've told you",
    "I'd rather not go on", "i'd rather not carry on with this thanks", "I don't want to continue",
    "i dont want to do this anymore", "I don't want to go on with this", "i want to stop", "I'd like to withdraw",
    "please stop", "stop", "I'm done", "no more questions please", "delete my answers", "wipe everything",
    "bin what I've told you", "forget everything I said", "withdraw me from the study", "count me out",
])
def test_a_wish_to_stop_in_plain_words(text: str) -> None:
    assert wants_to_stop(text)


@pytest.mark.parametrize("text", [
    # answers, questions and declining one question: never a withdrawal by mistake
    "不想做化疗", "不想做化疗了", "不想再住院", "不想再住院了", "化疗不做了", "不想回答", "不想说", "不是", "没有",
    "不知道",
    "不做", "不参加其他试验", "以后不想参加了可以退出吗", "可以中途退出吗", "要停药吗", "不想吃药了", "没有删除",
    "I don't want to go on chemo", "i don't want to go on chemo again", "I'd rather not say", "rather not answer that",
    "I don't want to answer that", "no", "not sure", "stop my chemo?", "would I have to stop my tablets",
    "I stopped the tablets last year", "they removed everything", "the surgeon had to remove my gallbladder too",
    "not continuing", "no longer taking them", "I quit smoking", "can I stop later?", "can I withdraw later if I want",
    "I want to stop smoking", "please don't delete", "no, keep my answers", "stop and think",
    "I'm not going on holiday",
    "/withdraw",  # a button goes through the NLU's rule, not this reader
])
def test_no_wish_to_stop_read_into_answers_and_questions(text: str) -> None:
    assert not wants_to_stop(text)


@pytest.mark.parametrize("check_id, text, stop", [
    # a verb the open question asks about answers it: "not planning to take part" in another study, "didn't test"
    ("recent_trial", "不打算参加", False), ("recent_trial", "不参加了", False), ("recent_trial", "不想参加了", False),
    ("recent_trial", "没有，也不打算参加", False), ("ctdna_positive", "没测，不想测", False),
    # other verbs, or the same verb at a question that does not ask about it, are still a wish to stop
    ("recent_trial", "不想弄了", True), ("recent_trial", "算了，不想继续了", True), ("age", "不想参加了", True),
    ("ctdna_positive", "不想弄了", True), ("autoimmune", "不做了", True), ("cns_disease", "不想填了", True),
])
def test_a_wish_to_stop_in_words_the_open_question_asks_about_is_an_answer(check_id: str, text: str,
                                                                           stop: bool) -> None:
    from bot.trial.criteria import load_criteria

    question = load_criteria().check(check_id).texts("zh").question
    assert wants_to_stop(text, question) is stop
    assert wants_to_stop(text) is (stop or text not in {"没有，也不打算参加"})  # without the question: any stop verb
