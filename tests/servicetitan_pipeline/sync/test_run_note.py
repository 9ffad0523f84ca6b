"""A manual run's note names what it syncs (the listener itself runs in tests/dags)."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.sync.run_note import describe_run


@pytest.mark.parametrize(
    ("conf", "note"),
    [
        (
            {"credential": "Acme Plumbing (integration, tenant 1001)", "data_type": "invoices"},
            "Acme Plumbing (integration, tenant 1001) · invoices",
        ),
        (
            {"credential": "all", "data_type": "both", "full_refresh": True},
            "all credentials · customers and invoices · full refresh",
        ),
        ({}, "all credentials · customers and invoices"),
        (None, "all credentials · customers and invoices"),
    ],
)
def test_the_note_says_credential_data_type_and_full_refresh(conf: dict[str, object] | None, note: str) -> None:
    assert describe_run(conf) == note


def test_a_long_name_fits_the_note_column() -> None:
    assert len(describe_run({"credential": "x" * 5000})) == 1000
