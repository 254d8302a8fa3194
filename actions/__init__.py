"""Custom actions for the Prescreen assistant (run by `rasa run actions`).

Actions stay thin: they read slots, call plain Python in `bot/`, and return events.
"""
