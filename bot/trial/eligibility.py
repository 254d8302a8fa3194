"""The eligibility engine: answers in, a verdict per criterion and an overall status out.

No Rasa here: the engine is plain Python over the criteria declared in `bot/trial/nct05240950.yml`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from bot.languages import DEFAULT_LANGUAGE, SOURCE_LANGUAGE
from bot.trial.criteria import Check, Criteria

Answer = str | int | None


class Verdict(str, Enum):
    MEETS = "meets"
    DOES_NOT_MEET = "does_not_meet"
    UNKNOWN = "unknown"


class Status(str, Enum):
    LIKELY_ELIGIBLE = "likely_eligible"
    NEEDS_REVIEW = "needs_review"
    LIKELY_INELIGIBLE = "likely_ineligible"


@dataclass(frozen=True)
class CriterionResult:
    """Why one criterion scored as it did, in words a coordinator can read."""

    check_id: str
    protocol: str
    label: str
    verdict: Verdict
    value: str | None
    reason: str


@dataclass(frozen=True)
class EligibilityResult:
    status: Status
    results: tuple[CriterionResult, ...]
    criteria_version: str

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if r.verdict is Verdict.DOES_NOT_MEET)

    @property
    def unknown(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if r.verdict is Verdict.UNKNOWN)


def is_asked(check: Check, answers: Mapping[str, Answer], criteria: Criteria) -> bool:
    """Whether this patient is asked the question at all (pregnancy questions depend on age)."""
    if not check.only_up_to_childbearing_age:
        return True
    age = answers.get("age")
    return not isinstance(age, int) or age <= criteria.childbearing_age_max


def score_check(check: Check, answer: Answer, criteria: Criteria) -> CriterionResult:
    """Score one answer against its check; the reason is stored in the criteria file's own language."""
    if answer is None:
        verdict = Verdict.UNKNOWN
    elif check.answer == "age":
        low, high = check.age_range or criteria.age_range
        verdict = (Verdict.UNKNOWN if not isinstance(answer, int)
                   else Verdict.MEETS if low <= answer <= high else Verdict.DOES_NOT_MEET)
    elif answer not in ("yes", "no", "unsure") or answer == "unsure":
        verdict = Verdict.UNKNOWN
    else:
        verdict = Verdict.MEETS if answer == check.meets else Verdict.DOES_NOT_MEET
    value = None if answer is None else str(answer)
    return CriterionResult(check.id, check.protocol, check.label, verdict, value,
                           explain(criteria, check, answer, verdict, SOURCE_LANGUAGE))


def explain(criteria: Criteria, check: Check, answer: Answer, verdict: Verdict,
            language: str = DEFAULT_LANGUAGE) -> str:
    """Why `answer` scored `verdict` on `check`, in `language`, from the criteria files' `reasons` and the
    check's `says` ("Patient is 59; the study takes ages 18 to 75.", "患者 59 岁；…")."""
    reasons, says = criteria.reasons_in(language), check.for_coordinator(language).says
    if answer is None:  # not asked (a pregnancy question above the age) scores as met; not answered is unknown
        if verdict is Verdict.MEETS:
            return reasons["not_asked"].format(age_max=criteria.childbearing_age_max)
        return reasons["not_answered"]
    if check.answer == "age":
        low, high = check.age_range or criteria.age_range
        if not isinstance(answer, int):
            return reasons["age_unreadable"].format(answer=repr(answer))
        return reasons["age"].format(age=answer, youngest=low, oldest=high)
    if answer not in ("yes", "no", "unsure"):
        return reasons["not_yes_no"].format(answer=repr(answer))
    if answer == "unsure":
        return reasons["unsure_record" if check.source == "record" else "unsure"].format(says=says[answer])
    return reasons["answered"].format(says=says[str(answer)])


def stored_answer(check: Check, value: str | None) -> Answer:
    """An answer as a lead record keeps it (a string, or None) as the engine read it: an age is a number."""
    if value is not None and check.answer == "age" and value.isdigit():
        return int(value)
    return value


def evaluate(criteria: Criteria, answers: Mapping[str, Answer]) -> EligibilityResult:
    """Score every check. Overall: any failure → likely ineligible; any unknown → needs review."""
    results = []
    for check in criteria.checks:
        if not is_asked(check, answers, criteria):
            reason = explain(criteria, check, None, Verdict.MEETS, SOURCE_LANGUAGE)
            results.append(CriterionResult(check.id, check.protocol, check.label, Verdict.MEETS, None, reason))
            continue
        results.append(score_check(check, answers.get(check.id), criteria))
    if any(r.verdict is Verdict.DOES_NOT_MEET for r in results):
        status = Status.LIKELY_INELIGIBLE
    elif any(r.verdict is Verdict.UNKNOWN for r in results):
        status = Status.NEEDS_REVIEW
    else:
        status = Status.LIKELY_ELIGIBLE
    return EligibilityResult(status, tuple(results), criteria.version)


def ruling_check(criteria: Criteria, answers: Mapping[str, Answer]) -> str | None:
    """The check whose answer ends the questions (the first that does not meet), or None."""
    asked = questions_to_ask(criteria, answers)
    last = asked[-1] if asked else None
    if last is None or answers.get(last) is None:
        return None
    if score_check(criteria.check(last), answers[last], criteria).verdict is Verdict.DOES_NOT_MEET:
        return last
    return None


def read_back(criteria: Criteria, check_id: str, answer: Answer, language: str = DEFAULT_LANGUAGE) -> str:
    """The ruling answer in the patient's terms and language, from the criteria files (said before ending
    the questions)."""
    return criteria.check(check_id).texts(language).read_back.replace("{age}", str(answer))


def questions_to_ask(criteria: Criteria, answers: Mapping[str, Answer]) -> list[str]:
    """The checks this patient is asked, in order, answered or not, up to and including the first
    answer that rules the patient out (no question after a hard exclusion).

    This is what the prescreen form asks, after consent: it asks the first of these not yet answered.
    """
    asked: list[str] = []
    for check in criteria.checks:
        if not is_asked(check, answers, criteria):
            continue
        asked.append(check.id)
        answer = answers.get(check.id)
        if answer is not None and score_check(check, answer, criteria).verdict is Verdict.DOES_NOT_MEET:
            break
    return asked
