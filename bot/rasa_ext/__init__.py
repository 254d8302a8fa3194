"""Rasa extensions: tracker and lock stores, the guarded server, and the fenced speed patches."""
