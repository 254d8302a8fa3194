"""Maintainers' tooling, not installed with the package: benchmark, scale profile, evaluation, player."""
