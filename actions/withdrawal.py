"""Stop and delete: asked for in one message, confirmed in one tap or word, and only then erased.

"Do you want me to stop and delete everything you told me? [Yes, delete it] [No, carry on]": a yes
(the button, "是", "确定", "删吧", "yes delete") erases everything stored for the conversation; anything
else keeps everything and carries on with the question that was open (a side question typed at that
moment is answered first). A message about stopping something else ("do I have to stop my chemo
tablets?") is never a withdrawal.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import is_side_request, latest_intent, latest_text
from actions.dialogue import QUESTIONS_FORM, log_typed_answer, not_understood, study_team_will_tell, withdrawal_request
from actions.dialogue import WITHDRAWAL_REQUEST_SLOT as REQUEST_SLOT
from actions.language import kept_language
from bot.dialogue.withdrawal import answer_after_declined_withdrawal
from bot.leads.erasure import ERASE_SLOT, erase_lead
from bot.leads.store import LeadNotFound, StoreError
from bot.reading.requests import asks_to_withdraw, confirms_withdrawal
from bot.settings import get_settings

CONFIRM_SLOT = "confirm_withdrawal"  # True: the patient confirmed; False: anything else
# What answers a side question typed at the confirmation, as the rules in data/rules/side_questions.yml do.
SIDE_ANSWERS = {
    "ask_car_t": "utter_car_t", "ask_ctdna": "utter_ctdna", "ask_cea": "utter_cea",
    "ask_location": "action_answer_location", "ask_involvement": "action_answer_side_question",
    "ask_risks": "action_answer_side_question", "ask_study": "action_answer_side_question",
    "ask_privacy": "utter_privacy", "ask_why": "action_explain_question",
    "ask_medical_advice": "utter_medical_advice", "bot_challenge": "utter_bot_challenge",
    "human_handoff": "action_handoff",
}


class ActionWithdraw(Action):
    """ "stop and delete my answers": note the request and leave the open question; withdrawal_form asks to confirm.

    A reference code in the message ("delete my answers PS-7K3F9Q") is kept with the request, so that
    an earlier screening is erased too once the patient confirms.
    """

    def name(self) -> str:
        return "action_withdraw"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        form = tracker.active_loop.get("name") if tracker.active_loop else None
        if asks_to_withdraw(text):
            request = withdrawal_request(tracker)
            return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet(REQUEST_SLOT, request)]
        noted = study_team_will_tell(dispatcher, tracker)  # misread: "要停药吗" is a question for the study team
        if noted is not None:
            return [*noted, FollowupAction(form or "action_listen")]
        return not_understood(dispatcher, tracker)


class ValidateWithdrawalForm(FormValidationAction):
    """Reads the answer to "Do you want me to stop and delete everything?": yes, or anything else (no)."""

    def name(self) -> str:
        return "validate_withdrawal_form"

    async def extract_confirm_withdrawal(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Every message answers the confirmation: it is never asked twice."""
        if tracker.get_slot("requested_slot") != CONFIRM_SLOT:
            return {}
        return {CONFIRM_SLOT: confirms_withdrawal(latest_text(tracker))}

    async def validate_confirm_withdrawal(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """True or False from the patient's answer; None (not asked yet: a slot emptied this turn) stays None."""
        return {CONFIRM_SLOT: None if value is None else value is True}


class ActionFinishWithdrawal(Action):
    """After the confirmation: erase everything, or carry on with the open question, nothing lost."""

    def name(self) -> str:
        return "action_finish_withdrawal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        request = tracker.get_slot(REQUEST_SLOT) or {}
        cleared: list[EventType] = [SlotSet(CONFIRM_SLOT, None), SlotSet(REQUEST_SLOT, None)]
        if tracker.get_slot(CONFIRM_SLOT) is True:
            return erase(dispatcher, tracker, request.get("reference_code") or None, cleared)
        return [*cleared, *carry_on(dispatcher, tracker, request.get("during") or None, asked=request.get("asked"))]


def erase(dispatcher: CollectingDispatcher, tracker: Tracker, code: str | None,
          cleared: list[EventType]) -> list[EventType]:
    """Deletes everything stored for this conversation, and the screening under `code` if one was typed."""
    store = services.lead_store()
    try:
        # the permission to hear about other studies goes with the lead (a cascade): the patient is told
        other_studies = any(store.has_other_studies_contact(key) for key in (code, tracker.sender_id) if key)
        if code:
            try:
                erase_lead(store, get_settings().tracker_store_url, code, actor="patient")
            except LeadNotFound:
                dispatcher.utter_message(response="utter_reference_not_found", reference_code=code)
        store.erase_conversation(tracker.sender_id, actor="patient")
    except StoreError:
        dispatcher.utter_message(response="utter_withdraw_failed")
        return cleared
    dispatcher.utter_message(response="utter_withdrawn")
    if other_studies:
        dispatcher.utter_message(response="utter_other_studies_withdrawn")
    return [ActiveLoop(None), AllSlotsReset(), SlotSet(ERASE_SLOT, True), *kept_language(tracker)]


def carry_on(dispatcher: CollectingDispatcher, tracker: Tracker, form: str | None,
             cancelled: str = "utter_withdrawal_cancelled", asked: str | None = None) -> list[EventType]:
    """Nothing deleted: a side question typed instead of yes is answered, then the open question again. An
    answer to the open question (`asked`) typed in the reply ("hmm wait, it was positive") is taken."""
    dispatcher.utter_message(response=cancelled)
    back: list[EventType] = [FollowupAction(form)] if form else []
    noted = study_team_will_tell(dispatcher, tracker)  # "how long does the study last?"
    if noted is not None:
        return [*noted, *back]
    intent, _ = latest_intent(tracker)
    if intent in SIDE_ANSWERS and is_side_request(tracker):
        # the form is open again without asking; after the answer, Rasa's loop asks its open question
        return [*([ActiveLoop(form)] if form else []), FollowupAction(SIDE_ANSWERS[intent])]
    return [*answer_in_reply(tracker, asked if form == QUESTIONS_FORM else None), *back]


def answer_in_reply(tracker: Tracker, asked: str | None) -> list[EventType]:
    """The open question's answer in a reply that kept everything ("哦不对 没有别的癌"), set and logged; the form then
    goes on from there."""
    criteria = services.criteria()
    if not asked or asked not in criteria.slots:
        return []
    check = criteria.check(asked)
    answer = answer_after_declined_withdrawal(check, latest_text(tracker))
    if answer is None:
        return []
    value, how = answer
    return [SlotSet(check.slot, value), SlotSet("answer_log", log_typed_answer(tracker, check, value, how,
                                                                               "answered again"))]
