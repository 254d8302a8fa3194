"""The figures of tools/play_conversations.py read from what was said and replied: dead ends, misreads caught
by the read-back, false and missed exclusions (their definitions are in the module's docstring)."""

from __future__ import annotations

from bot.texts.responses import filled, load_domain, variations
from bot.trial.criteria import load_criteria
from tests.e2e.conversations import Conversation, Turn
from tools.play_conversations import outcome

PHONE = "+86 21 3116 6666"
PHONE_TYPED = "".join(PHONE.split())  # as play_conversations passes it
QUESTION = {c.id: " ".join(c.texts("en").question.split()) for c in load_criteria().checks}


def _response(name: str) -> str:
    domain = load_domain()
    return filled(variations(domain, name, "en")[0]["text"], domain)


READ_BACK = _response("utter_confirm_exclusion")
OFFER = _response("utter_ask_other_studies_ok")
NOT_CAUGHT = "Sorry, I didn't quite catch that."


def conversation(*turns: Turn, status: str | None = None) -> Conversation:
    return Conversation(id="c", category="test", turns=[Turn(say="hi"), Turn(say="yes"), *turns], status=status)


def heard(*replies: list[str]) -> list[tuple[str, list[str], list[str]]]:
    return [(f"message {n}", texts, []) for n, texts in enumerate(replies)]


def test_the_same_reply_to_two_different_messages_is_a_dead_end() -> None:
    trace = heard(["Hello"], [QUESTION["age"]], [NOT_CAUGHT, QUESTION["age"]], [NOT_CAUGHT, QUESTION["age"]])
    result = outcome(conversation(Turn(say="?"), Turn(say="??")), trace, None, PHONE_TYPED)
    assert result.dead_ends == ["age"]


def test_a_way_forward_is_not_a_dead_end() -> None:
    offer = f"{NOT_CAUGHT} You can call the study team on {PHONE}."
    trace = heard(["Hello"], [QUESTION["age"]], [offer, QUESTION["age"]], [offer, QUESTION["age"]])
    assert outcome(conversation(Turn(say="?"), Turn(say="??")), trace, None, PHONE_TYPED).dead_ends == []


def test_the_same_question_a_third_time_with_nothing_new_is_a_dead_end_once() -> None:
    same = [NOT_CAUGHT, QUESTION["age"]]
    trace: list[tuple[str, list[str], list[str]]] = [("hi", ["Hello"], []), ("yes", [QUESTION["age"]], [])]
    trace += [("eh", same, [])] * 4
    assert outcome(conversation(*[Turn(say="eh")] * 4), trace, None, PHONE_TYPED).dead_ends == ["age"]


def test_explanations_that_differ_are_not_a_dead_end() -> None:
    trace = heard(["Hello"], [QUESTION["age"]], ["Why: adults only.", QUESTION["age"]],
                  ["Type a number.", QUESTION["age"]], [QUESTION["crc_liver_mets"]])
    assert outcome(conversation(*[Turn(say="why")] * 3), trace, None, PHONE_TYPED).dead_ends == []


def test_an_unexpected_read_back_the_patient_goes_past_is_a_misread_caught() -> None:
    turns = (Turn(say="60", asks="crc_liver_mets"), Turn(say="unreadable yes", asks="primary_resected"),
             Turn(say="yes"))
    trace = heard(["Hello"], [QUESTION["age"]], [QUESTION["crc_liver_mets"]], [READ_BACK],
                  [QUESTION["crc_liver_mets"]])
    result = outcome(conversation(*turns), trace, None, PHONE_TYPED)
    assert result.misreads_caught == ["message 3"] and not result.ruled_out


def test_an_expected_read_back_is_not_a_misread_and_a_confirmed_one_is_a_false_exclusion() -> None:
    expected = conversation(Turn(say="82", asks="confirm_exclusion"), Turn(say="yes", asks="other_studies_ok"),
                            status="likely_ineligible")
    trace = heard(["Hello"], [QUESTION["age"]], [READ_BACK], [OFFER])
    result = outcome(expected, trace, "likely_ineligible", PHONE_TYPED)
    assert result.misreads_caught == [] and result.ruled_out and result.expects_exclusion

    unexpected = conversation(Turn(say="no", asks="crc_liver_mets"), Turn(say="yes"))
    result = outcome(unexpected, trace, "likely_ineligible", PHONE_TYPED)
    assert result.ruled_out and not result.expects_exclusion  # a false exclusion


def test_an_expected_exclusion_not_reached_is_missed() -> None:
    expected = conversation(Turn(say="82", asks="confirm_exclusion"), status="likely_ineligible")
    result = outcome(expected, heard(["Hello"], [QUESTION["age"]], [QUESTION["crc_liver_mets"]]), None, PHONE_TYPED)
    assert result.expects_exclusion and not result.ruled_out


def test_messages_typed_after_the_conversation_left_the_file_are_not_counted_again() -> None:
    # "no" is misread at crc_liver_mets (a read-back the file did not expect: one misread caught); the
    # patient's next messages answer questions never asked, and their read-backs and repeats are not counted
    turns = (Turn(say="60", asks="crc_liver_mets"), Turn(say="misread", asks="primary_resected"),
             Turn(say="yes"), Turn(say="yes again"))
    trace = heard(["Hello"], [QUESTION["age"]], [QUESTION["crc_liver_mets"]], [READ_BACK],
                  [QUESTION["primary_resected"]], [READ_BACK])
    result = outcome(conversation(*turns), trace, None, PHONE_TYPED)
    assert result.misreads_caught == ["message 3"] and result.dead_ends == []


def test_after_a_fill_the_file_expects_each_next_check_in_turn() -> None:
    from tools.play_conversations import expected_after

    expected = expected_after(conversation(Turn(fill="residual_disease")), "en")
    assert expected[2:] == ["crc_liver_mets", "primary_resected", "liver_mets_resected", "residual_disease"]
