"""Figures for the study team: the funnel, and how often the bot's verdicts stood on review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.leads.base import StoreBase
from bot.leads.models import (
    AnswerEvent,
    ConversationStart,
    CriterionOverride,
    CriterionResultRow,
    ReviewStatus,
    Screening,
)
from bot.trial.eligibility import Status, Verdict

# Review statuses that record a coordinator's eligibility decision (used by `agreement`).
DECIDED_STATUSES = (ReviewStatus.CONFIRMED.value, ReviewStatus.REJECTED.value)
# Review statuses a lead only reaches once the team has tried to reach the patient.
CONTACTED_STATUSES = (
    ReviewStatus.CONTACTED.value, ReviewStatus.CONFIRMED.value, ReviewStatus.REJECTED.value,
    ReviewStatus.UNREACHABLE.value,
)


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
    outcomes: dict[str, dict[str, int]]  # provisional status -> decided review status -> leads


class Statistics(StoreBase):
    def agreement(self) -> AgreementReport:
        """Per criterion, how often the bot's verdict stood on reviewed leads.

        A lead counts as reviewed once its review status records a decision (confirmed or
        rejected) or once a coordinator overrode any of its criteria. A criterion counts as a
        disagreement when its newest override differs from the bot's verdict.
        """
        with self._reading("counting agreement") as session:
            latest: dict[tuple[int, str], str] = {}
            for sid, check_id, verdict in session.execute(
                select(CriterionOverride.screening_id, CriterionOverride.check_id, CriterionOverride.verdict)
                .order_by(CriterionOverride.at, CriterionOverride.id)
            ):
                latest[(sid, check_id)] = verdict
            decided = session.execute(
                select(Screening.id, Screening.provisional_status, Screening.review_status)
                .where(Screening.completed_at.is_not(None), Screening.review_status.in_(DECIDED_STATUSES))
            ).all()
            reviewed = {row.id for row in decided} | {sid for sid, _ in latest}
            outcomes: dict[str, dict[str, int]] = {}
            for row in decided:
                by_status = outcomes.setdefault(row.provisional_status or "", {})
                by_status[row.review_status] = by_status.get(row.review_status, 0) + 1
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
        """Counts for the coordinator's funnel: started, consented, completed, one per provisional
        status, contacted (or beyond) and confirmed."""
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
            counts["contacted"] = count(Screening.review_status.in_(CONTACTED_STATUSES))
            counts["confirmed"] = count(Screening.review_status == ReviewStatus.CONFIRMED.value)
            return counts
