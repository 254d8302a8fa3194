"""The two Flask apps: the patient chat page and the coordinator app."""
