"""The trial: its eligibility criteria as data and the engine that scores answers (no Rasa)."""
