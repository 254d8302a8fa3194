"""Figures for the study team: the lead list's funnel, and how often the bot's verdicts stood on review
(the metrics page's figures: bot/leads/metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    not_,
    null,
    select,
    union,
    union_all,
)

from bot.leads.base import StoreBase
from bot.leads.metrics import progress_counts
from bot.leads.models import (
    AnswerEvent,
    ConversationStart,
    CriterionOverride,
    CriterionResultRow,
    Screening,
)
from bot.leads.pipeline import ELIGIBLE_DECIDED
from bot.trial.eligibility import Status, Verdict

# The coordinator's decision on eligibility, as the agreement's outcomes table counts it.
DECISIONS = ("eligible", "not_eligible")


@dataclass(frozen=True)
class CriterionAgreement:
    check_id: str
    protocol: str
    label: str
    reviewed: int
    overridden: int
    overridden_from_unknown: int
    corrected: int = 0  # reviewed leads where the patient corrected this answer
    confirmed: int = 0  # reviewed leads where the patient confirmed this answer at the read-back

    @property
    def agreed(self) -> int:
        return self.reviewed - self.overridden

    @property
    def rate(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class AgreementReport:
    """How often the bot's verdict stood once a coordinator reviewed the lead."""

    reviewed_leads: int
    criteria: list[CriterionAgreement]
    outcomes: dict[str, dict[str, int]]  # provisional status -> "eligible" / "not_eligible" -> leads


@dataclass(frozen=True)
class AgreementSummary:
    """The agreement in three figures (the metrics page): reviewed leads, verdicts reviewed, verdicts overridden."""

    reviewed_leads: int
    reviewed: int  # criterion verdicts of reviewed leads
    overridden: int  # ...whose newest override differs from the bot's verdict


class Statistics(StoreBase):
    def agreement(self) -> AgreementReport:
        """Per criterion, how often the bot's verdict stood on reviewed leads.

        A lead counts as reviewed once a coordinator decided on its eligibility (a status in
        pipeline.DECIDED_STATUSES: confirmed eligible, visit booked, consented, enrolled, or not
        eligible; now or earlier in its history) or overrode any of its criteria. A criterion counts
        as a disagreement when its newest override differs from the bot's verdict.

        Every figure is a count by the database, each read from where it is rare: the decisions from
        their stored fact (bot/leads/lead_facts.py) through its index, the reviewed leads' results through
        the (screening_id, check_id) index, the overrides in force from the overrides, the corrected and
        confirmed answers from the reviewed leads' answer events (tests/leads/test_agreement.py: the same
        figures as counting lead by lead).
        """
        decisions = _decisions().cte("decisions").prefix_with("MATERIALIZED")
        reviewed = union(select(decisions.c.lead), select(CriterionOverride.screening_id)) \
            .cte("reviewed").prefix_with("MATERIALIZED")
        result = CriterionResultRow
        in_review = result.screening_id.in_(select(reviewed.c.lead))
        overrides = _numbered_overrides()
        eligible = decisions.c.status.in_(ELIGIBLE_DECIDED)
        corrected = case((AnswerEvent.event != "confirmed", AnswerEvent.screening_id))
        confirmed = case((AnswerEvent.event == "confirmed", AnswerEvent.screening_id))
        no_text, no_number = cast(null(), String), cast(null(), Integer)

        def count_if(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        # One statement, so the decisions and the reviewed leads are found once for every figure; each
        # row is (figure, key, a, b, protocol, label, position).
        figures = union_all(
            select(literal("leads"), no_text, func.count(), literal(0), no_text, no_text, no_number)
            .select_from(reviewed),
            # The bot's assessment against the decision.
            select(literal("outcome"), decisions.c.provisional, count_if(eligible), count_if(not_(eligible)),
                   no_text, no_text, no_number).group_by(decisions.c.provisional),
            # The reviewed leads' verdicts per criterion, through the results' (screening_id, check_id) index.
            select(literal("reviewed"), result.check_id, func.count(), literal(0), func.min(result.protocol),
                   func.min(result.label), func.min(result.position)).where(in_review).group_by(result.check_id),
            # The overrides in force that differ from the bot's verdict (every overridden lead is reviewed).
            select(literal("overridden"), result.check_id, func.count(),
                   count_if(result.verdict == Verdict.UNKNOWN.value), no_text, no_text, no_number)
            .select_from(overrides)
            .join(result, and_(result.screening_id == overrides.c.lead, result.check_id == overrides.c.check_id))
            .where(overrides.c.n == 1, overrides.c.verdict != result.verdict).group_by(result.check_id),
            # Reviewed leads who corrected, or confirmed at the read-back, an answer they have a verdict for.
            select(literal("answers"), AnswerEvent.check_id, func.count(distinct(corrected)),
                   func.count(distinct(confirmed)), no_text, no_text, no_number)
            .where(AnswerEvent.screening_id.in_(select(reviewed.c.lead)),
                   exists().where(result.screening_id == AnswerEvent.screening_id,
                                  result.check_id == AnswerEvent.check_id))
            .group_by(AnswerEvent.check_id),
        )
        with self._reading("counting agreement") as session:
            rows = session.execute(figures).all()
        reviewed_leads = 0
        outcomes: dict[str, dict[str, int]] = {}
        per_check: list[tuple[int, str, str, str, int]] = []
        changed: dict[str, tuple[int, int]] = {}
        slips: dict[str, tuple[int, int]] = {}
        for figure, key, first, second, protocol, label, position in rows:
            if figure == "leads":
                reviewed_leads = int(first)
            elif figure == "outcome":
                cell = outcomes.setdefault(key or "", {})
                for decided, count in zip(DECISIONS, (int(first), int(second)), strict=True):
                    if count:
                        cell[decided] = count
            elif figure == "reviewed":
                per_check.append((position, key, protocol, label, int(first)))
            else:
                (changed if figure == "overridden" else slips)[key] = (int(first), int(second))
        criteria = [
            CriterionAgreement(check_id, protocol, label, reviews, *changed.get(check_id, (0, 0)),
                               *slips.get(check_id, (0, 0)))
            for _, check_id, protocol, label, reviews in sorted(per_check, key=lambda row: (row[0], row[1]))
        ]
        return AgreementReport(reviewed_leads, criteria, outcomes)

    def agreement_summary(self) -> AgreementSummary:
        """`agreement()`'s totals (the same definitions), counted without grouping every verdict by criterion:
        the decided leads and their stored number of verdicts from one index, then the few overridden
        leads without a decision through their ids."""
        decided = _decided()
        verdicts = func.coalesce(func.sum(Screening.verdicts), 0)
        overrides = _numbered_overrides()
        with self._reading("counting agreement") as session:
            rows = session.execute(union_all(
                select(func.count(), verdicts).where(decided),
                select(func.count(), verdicts)
                .where(Screening.id.in_(select(CriterionOverride.screening_id)), not_(decided)),
            )).all()
            overridden = session.execute(
                select(func.count()).select_from(overrides)
                .join(CriterionResultRow, and_(CriterionResultRow.screening_id == overrides.c.lead,
                                               CriterionResultRow.check_id == overrides.c.check_id))
                .where(overrides.c.n == 1, overrides.c.verdict != CriterionResultRow.verdict)
            ).scalar_one()
        return AgreementSummary(sum(int(leads) for leads, _ in rows), sum(int(count) for _, count in rows),
                                overridden)

    def funnel(self) -> dict[str, int]:
        """Counts for the lead list's funnel: started, consented, completed, one per provisional status,
        then the steps of the way to enrolment as the metrics page counts them (bot/leads/metrics.py):
        contacted, confirmed (eligible on the records), visit_booked, study_consented, enrolled."""
        with self._reading("counting the funnel") as session:
            started = session.execute(select(func.count()).select_from(ConversationStart)).scalar_one()
            # Every screening counted once, per provisional status, from the (provisional_status, completed_at)
            # index alone: the consented, the completed and each status in one pass.
            rows = session.execute(
                select(Screening.provisional_status, func.count(), func.count(Screening.completed_at))
                .group_by(Screening.provisional_status)).all()
            by_status = {status: screenings for status, screenings, _ in rows}
            counts = {"started": started, "consented": sum(screenings for _, screenings, _ in rows),
                      "completed": sum(completed for *_, completed in rows)}
            for status in Status:
                counts[status.value] = by_status.get(status.value, 0)
            progress = progress_counts(session)
            counts["contacted"] = progress["contacted"]
            counts["confirmed"] = progress["eligible"]
            counts["visit_booked"] = progress["visit_booked"]
            counts["study_consented"] = progress["study_consented"]
            counts["enrolled"] = progress["enrolled"]
            return counts


def _decided() -> Any:
    """A completed lead with a decision on its eligibility (the stored fact: bot/leads/lead_facts.py)."""
    return and_(Screening.completed_at.is_not(None), Screening.decision.is_not(None))


def _decisions() -> Any:
    """Each completed lead's decision on eligibility (lead, status, provisional), as stored on the screening
    (bot/leads/lead_facts.py: its status now if that is a decision, else the newest decision in its
    history); leads never decided are not in it."""
    return select(Screening.id.label("lead"), Screening.decision.label("status"),
                  Screening.provisional_status.label("provisional")).where(_decided())


def _numbered_overrides() -> Any:
    """Every criterion override, numbered newest first within its lead and criterion (n == 1: the one in force)."""
    return select(
        CriterionOverride.screening_id.label("lead"), CriterionOverride.check_id.label("check_id"),
        CriterionOverride.verdict.label("verdict"),
        func.row_number().over(partition_by=(CriterionOverride.screening_id, CriterionOverride.check_id),
                               order_by=(CriterionOverride.at.desc(), CriterionOverride.id.desc())).label("n"),
    ).subquery()
