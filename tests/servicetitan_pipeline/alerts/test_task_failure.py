"""The Slack line of a failed servicetitan_sync task names a failed batch's tenants."""

from __future__ import annotations

from servicetitan_pipeline.alerts.task_failure import FAILURE_TEXT, failed_tenants


class BatchFailed(Exception):
    def __init__(self, labels: list[str]) -> None:
        super().__init__("tenants failed")
        self.failed_tenants = labels


def test_a_failed_batch_names_its_failed_tenants() -> None:
    assert failed_tenants(BatchFailed(["Crest Electric", "Dune Roofing"])) == "Crest Electric, Dune Roofing"
    assert "{{ failed_tenants or ti.rendered_map_index or 'all credentials' }}" in FAILURE_TEXT


def test_many_failed_tenants_are_counted_past_ten() -> None:
    text = failed_tenants(BatchFailed([f"Tenant {i}" for i in range(25)]))
    assert text.startswith("Tenant 0, Tenant 1, ")
    assert text.endswith("Tenant 9 and 15 more")


def test_another_failure_names_no_tenant() -> None:
    assert failed_tenants(RuntimeError("the database is down")) == ""
    assert failed_tenants(None) == ""
