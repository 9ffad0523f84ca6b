"""Housekeeping of the project's tables: log retention with daily aggregates (the maintenance DAG's work)."""
