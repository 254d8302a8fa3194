"""What the assistant decides in a conversation, as plain Python (no Rasa, no database).

`corrections`: which earlier answer a correction changes, and to what (one rule for the questions and
for the moment after they ended early); `replies`: which reply a message gets when it does not answer
the question (an unreadable answer, a question only the study team can answer, the reasons of a
rule-out); `notes`: what the conversation keeps for the coordinator (the answer log with each answer's
history, the patient's own questions); `withdrawal`: what a reply to the withdrawal's confirmation that
is not a yes still answers ("hmm wait, it was positive"). `actions/` reads the tracker, calls these and
returns events.
"""
