"""A reply to the withdrawal's confirmation that is not a yes (bot/dialogue/withdrawal.py): what it answers.

"hmm wait, it was positive" keeps everything and answers the question that was open; "no", "no, keep them",
"不是，继续吧" only decline the deletion and answer nothing (a "no" there is never a "no" to the question).
"""

from __future__ import annotations

import pytest

from bot.dialogue.withdrawal import answer_after_declined_withdrawal
from bot.trial.criteria import load_criteria

CRITERIA = load_criteria()


@pytest.mark.parametrize(("check_id", "text", "value"), [
    ("ctdna_positive", "hmm wait, it was positive", "yes"),  # v_withdraw_then_answer
    ("ctdna_positive", "no wait it was positive", "yes"),
    ("ctdna_positive", "no sorry, keep them, it was negative", "no"),
    ("ctdna_positive", "oh no don't delete. the test was positive", "yes"),
    ("other_cancer", "哦不对 没有别的癌", "no"),  # vz_withdraw_then_answer
    ("other_cancer", "不是不是，没有得过别的癌症", "no"),
    ("autoimmune", "不要删，我有类风湿", "yes"),
    ("autoimmune", "唔好刪，冇呢啲病", "no"),  # Cantonese
    ("autoimmune", "不對，沒有這種病", "no"),  # Traditional
    ("prior_car_t", "no, carry on. never had CAR-T", "no"),
    ("age", "no wait, I'm 67", 67),
    ("age", "不删，我今年62岁", 62),
])
def test_an_answer_typed_instead_of_a_yes_is_read(check_id: str, text: str, value: object) -> None:
    read = answer_after_declined_withdrawal(CRITERIA.check(check_id), text)
    assert read is not None and read[0] == value, read


@pytest.mark.parametrize("text", [
    # only declining the deletion: nothing answered, the question is asked again
    "no", "nope", "No, keep them", "no thanks, carry on", "don't delete", "I changed my mind", "wait", "sorry, no",
    "keep going", "no i want to continue", "不是，继续吧", "不是", "没有", "不要", "不要删", "继续", "算了，继续吧",
    "哦不对",
    "唔好", "不删了", "等一下",
    # nothing readable after the refusal
    "no, what happens to my data", "hmm",
])
def test_a_reply_that_only_declines_answers_nothing(text: str) -> None:
    for check_id in ("ctdna_positive", "autoimmune", "other_cancer", "age"):
        assert answer_after_declined_withdrawal(CRITERIA.check(check_id), text) is None, (check_id, text)
