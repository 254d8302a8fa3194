"""The lead store: one object for the actions, the CLI and the coordinator app, made of one part
per concern. Every write is one transaction; every database failure raises StoreError saying what
failed. Log lines name screening ids and reference codes, never contact details or answers.

  screenings.py  the patient's side: conversation starts, consent, results, contact, withdrawal
  search.py      get, list, search, sort and page leads
  review.py      the coordinator's decisions: review status, overrides, records checklist
  pipeline_store.py  contact attempts (and the statuses they set) and call-backs
  audit.py       the append-only audit trail
  other_studies.py  ruled-out patients' separate consent to hear about other studies
  stats.py       the lead list's funnel and the bot/coordinator agreement
  metrics.py     leads per week, time to first contact, the funnel to enrolment, screen failures
"""

from __future__ import annotations

from bot.leads.audit import AuditTrail
from bot.leads.errors import LeadNotFound, StoreError
from bot.leads.metrics import FirstContact, LeadCounts, Metrics, ScreenFailures, WeekCount
from bot.leads.other_studies import OtherStudiesContacts, OtherStudiesDetails, OtherStudiesRecord
from bot.leads.pipeline import DECIDED_STATUSES
from bot.leads.pipeline_store import AttemptLogged, PipelineWrites
from bot.leads.records import (
    LEAD_SORTS,
    ContactDetails,
    LeadPage,
    LeadQuery,
    LeadRecord,
)
from bot.leads.review import MAX_REASON_CHARS, MAX_RECORD_RESULT_CHARS, ReviewDecisions
from bot.leads.screenings import ScreeningWrites
from bot.leads.search import LeadSearch, phone_variants
from bot.leads.stats import AgreementReport, CriterionAgreement, Statistics


class LeadStore(
    ScreeningWrites, LeadSearch, ReviewDecisions, PipelineWrites, AuditTrail, Statistics, Metrics, OtherStudiesContacts
):
    """Leads in the database given, contact details through the cipher (None: no data key, so
    contact details can be neither stored nor read)."""


# The names callers import from here, wherever they are defined.
__all__ = [
    "DECIDED_STATUSES",
    "LEAD_SORTS",
    "MAX_REASON_CHARS",
    "MAX_RECORD_RESULT_CHARS",
    "AgreementReport",
    "AttemptLogged",
    "ContactDetails",
    "CriterionAgreement",
    "FirstContact",
    "LeadCounts",
    "LeadNotFound",
    "LeadPage",
    "LeadQuery",
    "LeadRecord",
    "LeadStore",
    "OtherStudiesDetails",
    "OtherStudiesRecord",
    "ScreenFailures",
    "StoreError",
    "WeekCount",
    "phone_variants",
]
