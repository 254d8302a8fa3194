"""The `prescreen` command: leads, coordinators, the database, keys, retention and the NLU review."""
