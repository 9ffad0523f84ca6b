"""Alert resolution needs evidence: only a rule that ran, and judged the alert's subject, clears it."""

from __future__ import annotations

from servicetitan_pipeline.alerts.conditions import MEDIUM, Condition, Evaluation
from servicetitan_pipeline.alerts.state import FIRING, cleared, inhibitor
from servicetitan_pipeline.db.models import ServiceTitanAlert


def _alert(rule: str, subject: str) -> ServiceTitanAlert:
    return ServiceTitanAlert(key=f"{rule}:{subject}", rule=rule, state=FIRING)


def _condition(rule: str, subject: str) -> Condition:
    return Condition(rule, MEDIUM, None, subject, "Acme Plumbing", "integration", "summary", "action")


def test_a_rule_that_reads_every_subject_clears_what_it_did_not_find() -> None:
    evaluations = {"stale_sync": Evaluation.of_every_subject([_condition("stale_sync", "integration:1")])}
    assert cleared(_alert("stale_sync", "integration:2"), evaluations)


def test_a_subject_the_rule_did_not_judge_keeps_its_alert() -> None:
    # The API check sampled 1001 (unreachable) and 1002 (fine); 1003 was not checked this run.
    api = Evaluation.of_subjects([_condition("api_unreachable", "integration:1001")], ["integration:1002"])
    evaluations = {"api_unreachable": api}
    assert cleared(_alert("api_unreachable", "integration:1002"), evaluations)
    assert not cleared(_alert("api_unreachable", "integration:1003"), evaluations)
    assert api.covers("integration:1001")  # what it found, it judged


def test_a_rule_that_did_not_run_or_failed_clears_nothing() -> None:
    evaluations = {"stale_sync": Evaluation.of_every_subject([])}
    assert not cleared(_alert("api_unreachable", "integration:1001"), evaluations)
    assert not cleared(_alert("api_unreachable", "integration:1001"), {})


def test_subjects_are_matched_whole_with_data_types() -> None:
    score = Evaluation.of_subjects([], ["customers:integration:1001"])
    evaluations = {"data_quality_score": score}
    assert cleared(_alert("data_quality_score", "customers:integration:1001"), evaluations)
    assert not cleared(_alert("data_quality_score", "invoices:integration:1001"), evaluations)
    assert not cleared(_alert("data_quality_score", "customers:integration:10011"), evaluations)


def test_freshness_of_one_data_type_is_inhibited_by_its_credentials_stale_sync() -> None:
    freshness = _alert("freshness_anomaly", "invoices:integration:1001")
    firing = {"stale_sync:integration:1001": _alert("stale_sync", "integration:1001")}
    assert inhibitor(freshness, firing) is firing["stale_sync:integration:1001"]
    other = {"stale_sync:integration:1002": _alert("stale_sync", "integration:1002")}
    assert inhibitor(freshness, other) is None
    refused = {"credential_error:integration:1001": _alert("credential_error", "integration:1001")}
    assert inhibitor(freshness, refused) is refused["credential_error:integration:1001"]
    # Volume anomalies are not echoes of a stale credential; they are of its data that stopped changing.
    volume = _alert("volume_anomaly", "invoices:integration:1001")
    assert inhibitor(volume, {**firing, **refused}) is None
    stopped = {"freshness_anomaly:invoices:integration:1001": freshness}
    assert inhibitor(volume, stopped) is freshness
    assert inhibitor(_alert("volume_anomaly", "customers:integration:1001"), stopped) is None
