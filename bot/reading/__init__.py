"""Readers of what patients type: yes/no/not sure, ages, contact details, requests (no Rasa)."""
