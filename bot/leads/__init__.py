"""The lead store: screenings, answers, per-criterion results, contact details, review trail."""
