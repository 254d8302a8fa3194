"""The patient's own questions outside an answer: "why are you asking?" and questions about the study."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.answers import latest_intent
from actions.dialogue import explain_rule_out, study_team_will_tell
from actions.language import language_of


class ActionExplainQuestion(Action):
    """Answers "why are you asking?" for the question being asked."""

    def name(self) -> str:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        criteria = services.criteria()
        if slot in criteria.slots:
            dispatcher.utter_message(text=criteria.check(slot).texts(language_of(tracker)).why)
        elif slot == "consent":
            dispatcher.utter_message(response="utter_privacy")
        elif slot and slot.startswith("contact_"):
            dispatcher.utter_message(response="utter_explain_contact")
        elif slot and slot.startswith("other_studies_") and slot != "other_studies_ok":
            dispatcher.utter_message(response="utter_explain_other_studies")
        elif not explain_rule_out(dispatcher, tracker):  # "why?" after the questions ended early
            dispatcher.utter_message(response="utter_study")
        return []


class ActionAnswerSideQuestion(Action):
    """A question about the study: the summary's answer, or, for what only the study team can say
    (cost, payment, travel, living in Shanghai, duration, stopping, a family member), an honest
    "the study team will tell you", with the question noted for the coordinator."""

    def name(self) -> str:
        return "action_answer_side_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        noted = study_team_will_tell(dispatcher, tracker)
        if noted is not None:
            return noted
        intent, _ = latest_intent(tracker)
        # ask_study → utter_study: the summary's own answer to the intent
        dispatcher.utter_message(response=f"utter_{(intent or 'ask_study').removeprefix('ask_')}")
        return []
