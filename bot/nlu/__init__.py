"""The NLU model's build: the spaCy term pipeline, training, and the review export."""
