"""Tests of bot/ops: running the product, its runtimes, backups, metrics."""
