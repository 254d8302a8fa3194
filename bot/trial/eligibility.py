"""The eligibility engine: answers in, a verdict per criterion and an overall status out.

No Rasa here: the engine is plain Python over the criteria declared in `bot/trial/nct05240950.yml`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

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
    """Score one answer against its check."""

    def result(verdict: Verdict, reason: str) -> CriterionResult:
        value = None if answer is None else str(answer)
        return CriterionResult(check.id, check.protocol, check.label, verdict, value, reason)

    if answer is None:
        return result(Verdict.UNKNOWN, "Not answered.")
    if check.answer == "age":
        low, high = check.age_range or criteria.age_range
        if not isinstance(answer, int):
            return result(Verdict.UNKNOWN, f"Age could not be read from {answer!r}.")
        if low <= answer <= high:
            return result(Verdict.MEETS, f"Patient is {answer}; the study takes ages {low} to {high}.")
        return result(Verdict.DOES_NOT_MEET, f"Patient is {answer}; the study takes ages {low} to {high}.")
    if answer not in ("yes", "no", "unsure"):
        return result(Verdict.UNKNOWN, f"Answer {answer!r} is not yes, no or not sure.")
    says = check.says[str(answer)]
    if answer == "unsure":
        suffix = " Needs checking in the records." if check.source == "record" else " Needs review."
        return result(Verdict.UNKNOWN, f"Patient {says}.{suffix}")
    verdict = Verdict.MEETS if answer == check.meets else Verdict.DOES_NOT_MEET
    return result(verdict, f"Patient {says}.")


def evaluate(criteria: Criteria, answers: Mapping[str, Answer]) -> EligibilityResult:
    """Score every check. Overall: any failure → likely ineligible; any unknown → needs review."""
    results = []
    for check in criteria.checks:
        if not is_asked(check, answers, criteria):
            reason = f"Not asked: patient is older than {criteria.childbearing_age_max}."
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


def read_back(criteria: Criteria, check_id: str, answer: Answer, language: str = "en") -> str:
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
