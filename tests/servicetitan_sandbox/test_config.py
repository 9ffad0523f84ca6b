"""Sandbox configuration: YAML loading, defaults, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicetitan_devtools.demo_world import COMPANIES
from servicetitan_sandbox import ConfigError, default_config, load_config, parse_config
from servicetitan_sandbox.config import (
    DEFAULT_EXPORT_PAGE_SIZE,
    DEFAULT_RATE_LIMIT_PER_SECOND,
    DEFAULT_TOKEN_LIFETIME_SECONDS,
)
from tests.servicetitan_sandbox.session import tenant

EXAMPLE = Path(__file__).resolve().parents[2] / "sandbox.example.yaml"


def problems_of(raw: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, source="test.yaml")
    return caught.value.problems


def test_example_file_has_the_four_demo_tenants() -> None:
    loaded = load_config(EXAMPLE)
    assert [t.tenant_id for t in loaded.tenants] == [1001, 1002, 1003, 1004]
    by_id = {t.tenant_id: t for t in loaded.tenants}
    assert set(COMPANIES) == set(by_id)  # the demo names each tenant's company
    assert by_id[1001].faults == default_config().tenants[0].faults  # healthy
    assert by_id[1002].faults.bad_record_rate > 0
    assert by_id[1003].faults.invalid_credentials
    assert by_id[1004].faults == by_id[1001].faults  # healthy: the demo's schema-drift tenant


def test_defaults_are_servicetitans_limits_and_one_healthy_tenant() -> None:
    defaults = default_config()
    assert defaults.token_lifetime_seconds == DEFAULT_TOKEN_LIFETIME_SECONDS == 900
    assert defaults.rate_limit_per_second == DEFAULT_RATE_LIMIT_PER_SECOND == 60
    assert defaults.export_page_size == DEFAULT_EXPORT_PAGE_SIZE
    [only] = defaults.tenants
    assert only.tenant_id == 1001
    assert only.data_seed == 1001
    assert not any(
        [only.faults.error_rate, only.faults.drop_rate, only.faults.timeout_rate, only.faults.bad_record_rate]
    )


def test_errors_name_the_field_with_its_path() -> None:
    problems = problems_of({"tenants": [tenant(faults={"error_rate": 2}), tenant(1002, customers=-1)]})
    assert any(p.startswith("test.yaml: tenants[0].faults.error_rate:") for p in problems), problems
    assert any(p.startswith("test.yaml: tenants[1].customers:") for p in problems), problems


def test_unknown_keys_are_refused_not_ignored() -> None:
    problems = problems_of({"tenants": [tenant(faults={"eror_rate": 0.1})], "rate_limit": 5})
    assert any("tenants[0].faults.eror_rate" in p for p in problems), problems
    assert any(p.startswith("test.yaml: rate_limit:") for p in problems), problems


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"tenants": []}, "give at least one tenant"),
        ({"tenants": [tenant(), tenant()]}, "tenant_id must be unique"),
        ({"tenants": [tenant(1, client_id="same"), tenant(2, client_id="same")]}, "client_id must be unique"),
        ({"tenants": [tenant(customers=0)]}, "customers must be at least 1"),
        ({"tenants": [tenant(faults={"error_rate": 0.6, "drop_rate": 0.6})]}, "must not exceed 1"),
        ({"tenants": [tenant(client_secret="")]}, "tenants[0].client_secret"),
        ({"tenants": [tenant()], "export_page_size": 6000}, "export_page_size"),
        ([], "expected a mapping"),
    ],
)
def test_invalid_configs_say_what_is_wrong(raw: object, expected: str) -> None:
    assert any(expected in problem for problem in problems_of(raw)), problems_of(raw)


def test_secrets_never_appear_in_reprs_or_errors() -> None:
    loaded = parse_config({"tenants": [tenant(client_secret="s3cr3t-value", app_key="k3y-value")]})
    assert "s3cr3t-value" not in repr(loaded)
    assert "k3y-value" not in repr(loaded)
    problems = problems_of({"tenants": [tenant(client_secret="s3cr3t-value", app_key="k3y-value", customers="x")]})
    assert not any("s3cr3t-value" in p or "k3y-value" in p for p in problems)


def test_yaml_errors_give_the_position_not_the_content(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("tenants:\n  - client_secret: [unclosed-s3cr3t\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}: not valid YAML at line")
    assert "s3cr3t" not in problem


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_naive_history_end_is_utc() -> None:
    loaded = parse_config({"tenants": [tenant(history_end="2026-01-02T03:04:05")]})
    assert loaded.tenants[0].history_end.isoformat() == "2026-01-02T03:04:05+00:00"
