"""Figures for the study team: the lead list's funnel, and how often the bot's verdicts stood on review
(the metrics page's figures: bot/leads/metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.leads.base import StoreBase
from bot.leads.metrics import progress_counts
from bot.leads.models import (
    AnswerEvent,
    ConversationStart,
    CriterionOverride,
    CriterionResultRow,
    Screening,
    StatusChange,
)
from bot.leads.pipeline import DECIDED_STATUSES, ELIGIBLE_DECIDED
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


class Statistics(StoreBase):
    def agreement(self) -> AgreementReport:
        """Per criterion, how often the bot's verdict stood on reviewed leads.

        A lead counts as reviewed once a coordinator decided on its eligibility (a status in
        pipeline.DECIDED_STATUSES: confirmed eligible, visit booked, consented, enrolled, or not
        eligible; now or earlier in its history) or overrode any of its criteria. A criterion counts
        as a disagreement when its newest override differs from the bot's verdict.
        """
        with self._reading("counting agreement") as session:
            latest: dict[tuple[int, str], str] = {}
            for sid, check_id, verdict in session.execute(
                select(CriterionOverride.screening_id, CriterionOverride.check_id, CriterionOverride.verdict)
                .order_by(CriterionOverride.at, CriterionOverride.id)
            ):
                latest[(sid, check_id)] = verdict
            # The decision: the current status if it is one, else the newest decision in the history
            # (a lead confirmed eligible who then declined the study was still judged eligible).
            decision: dict[int, str] = {}
            for sid, status in session.execute(
                select(StatusChange.screening_id, StatusChange.status)
                .where(StatusChange.status.in_(DECIDED_STATUSES)).order_by(StatusChange.changed_at, StatusChange.id)
            ):
                decision[sid] = status
            provisional: dict[int, str] = {}
            for sid, provisional_status, review_status in session.execute(
                select(Screening.id, Screening.provisional_status, Screening.review_status)
                .where(Screening.completed_at.is_not(None))
            ):
                provisional[sid] = provisional_status or ""
                if review_status in DECIDED_STATUSES:
                    decision[sid] = review_status
            decision = {sid: status for sid, status in decision.items() if sid in provisional}
            reviewed = set(decision) | {sid for sid, _ in latest}
            outcomes: dict[str, dict[str, int]] = {}
            for sid, status in decision.items():
                by_status = outcomes.setdefault(provisional[sid], {})
                decided = DECISIONS[0] if status in ELIGIBLE_DECIDED else DECISIONS[1]
                by_status[decided] = by_status.get(decided, 0) + 1
            tallies: dict[str, list[Any]] = {}
            slips: dict[tuple[int, str], set[str]] = {}  # (lead, check) -> "corrected" / "confirmed"
            if reviewed:
                for sid, check_id, event in session.execute(
                    select(AnswerEvent.screening_id, AnswerEvent.check_id, AnswerEvent.event)
                    .where(AnswerEvent.screening_id.in_(sorted(reviewed)))
                ):
                    slips.setdefault((sid, check_id), set()).add("confirmed" if event == "confirmed" else "corrected")
                for r in session.execute(
                    select(CriterionResultRow).where(CriterionResultRow.screening_id.in_(sorted(reviewed)))
                    .order_by(CriterionResultRow.position)
                ).scalars():
                    tally = tallies.setdefault(r.check_id, [r.protocol, r.label, 0, 0, 0, r.position, 0, 0])
                    tally[2] += 1
                    tally[6] += "corrected" in slips.get((r.screening_id, r.check_id), ())
                    tally[7] += "confirmed" in slips.get((r.screening_id, r.check_id), ())
                    override = latest.get((r.screening_id, r.check_id))
                    if override is not None and override != r.verdict:
                        tally[3] += 1
                        tally[4] += r.verdict == Verdict.UNKNOWN.value
            criteria = [
                CriterionAgreement(check_id, t[0], t[1], t[2], t[3], t[4], t[6], t[7])
                for check_id, t in sorted(tallies.items(), key=lambda item: item[1][5])
            ]
            return AgreementReport(len(reviewed), criteria, outcomes)

    def funnel(self) -> dict[str, int]:
        """Counts for the lead list's funnel: started, consented, completed, one per provisional status,
        then the steps of the way to enrolment as the metrics page counts them (bot/leads/metrics.py):
        contacted, confirmed (eligible on the records), visit_booked, study_consented, enrolled."""
        with self._reading("counting the funnel") as session:
            def count(*conditions: Any) -> int:
                return session.execute(select(func.count(Screening.id)).where(*conditions)).scalar_one()

            counts = {
                "started": session.execute(select(func.count(ConversationStart.id))).scalar_one(),
                "consented": count(),
                "completed": count(Screening.completed_at.is_not(None)),
            }
            for status in Status:
                counts[status.value] = count(Screening.provisional_status == status.value)
            progress = progress_counts(session)
            counts["contacted"] = progress["contacted"]
            counts["confirmed"] = progress["eligible"]
            counts["visit_booked"] = progress["visit_booked"]
            counts["study_consented"] = progress["study_consented"]
            counts["enrolled"] = progress["enrolled"]
            return counts
