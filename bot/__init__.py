"""Prescreen: a conversational prescreener for clinical trial NCT05240950.

Nothing in this package imports Rasa except the modules whose names say so, so the
eligibility rules, the answer readers and the lead store can be tested on their own.
"""
