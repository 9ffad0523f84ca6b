"""The trigger form's Params: resolved to credentials, or refused at once with what to choose."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.enums import ConnectionStatus
from servicetitan_pipeline.sync.targets import InvalidSyncParams, SyncTarget, plan_targets
from tests.factories import make_credential


@pytest.fixture
def credentials(session: Session) -> dict[str, object]:
    made = {
        "acme_int": make_credential(company_name="Acme Plumbing", environment="integration", tenant_id=11),
        "acme_prod": make_credential(company_name="Acme Plumbing", environment="production", tenant_id=12),
        "bright": make_credential(company_name="Bright HVAC", environment="production", tenant_id=13),
        "gone": make_credential(
            company_name="Old Co", tenant_id=14, is_active=False, connection_status=ConnectionStatus.DISABLED
        ),
    }
    session.add_all(made.values())
    session.commit()
    return made


def plan(session: Session, credential: str = "all", data_type: str = "both", **kwargs: object) -> list[SyncTarget]:
    values: dict[str, object] = {"full_refresh": False, "sync_type": "manual"}
    values.update(kwargs)
    return plan_targets(session, credential=credential, data_type=data_type, **values)  # type: ignore[arg-type]


@pytest.mark.usefixtures("credentials")
def test_all_means_every_active_credential(session: Session) -> None:
    targets = plan(session)
    assert [t.label for t in targets] == [
        "Acme Plumbing (integration, tenant 11)",
        "Acme Plumbing (production, tenant 12)",
        "Bright HVAC (production, tenant 13)",
    ]
    assert {t.sync_type for t in targets} == {"manual"}
    assert {t.data_type for t in targets} == {"both"}


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize(
    "choice",
    ["Bright HVAC", "bright hvac", "Bright HVAC (production)", "production:13", "Bright HVAC (production, tenant 13)"],
)
def test_one_credential_by_a_readable_name(session: Session, choice: str) -> None:
    (target,) = plan(session, choice, "invoices", full_refresh=True, sync_type="scheduled")
    assert target.label == "Bright HVAC (production, tenant 13)"
    assert (target.data_type, target.full_refresh, target.sync_type) == ("invoices", True, "scheduled")


def test_by_id(session: Session, credentials: dict[str, object]) -> None:
    acme = credentials["acme_prod"]
    (target,) = plan(session, str(acme.id))  # type: ignore[attr-defined]
    assert target.credential_id == str(acme.id)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize(
    ("choice", "data_type", "message"),
    [
        ("Nobody Inc", "both", r"^No credential 'Nobody Inc': no similar name. Trigger again with 'all' or one of"),
        ("Brigt HVAC", "both", r"^No credential 'Brigt HVAC': did you mean Bright HVAC \(production, tenant 13\)\?"),
        ("Acme Plumbing", "both", r"matches 2 credentials .*: name one by environment:tenant_id"),
        ("Old Co", "both", r"Old Co \(integration, tenant 14\) is disabled: .*credentials enable integration:14"),
        ("all", "jobs", r"data_type 'jobs' is not one of: invoices, customers, both"),
    ],
)
def test_bad_params_are_refused_with_choices(session: Session, choice: str, data_type: str, message: str) -> None:
    with pytest.raises(InvalidSyncParams, match=message):
        plan(session, choice, data_type)


def test_round_trip_through_xcom() -> None:
    target = SyncTarget("id", "label", "both", "manual", True)
    assert SyncTarget.from_xcom(target.to_xcom()) == target


@pytest.mark.usefixtures("credentials")
@pytest.mark.parametrize(("run_type", "sync_type"), [("manual", "manual"), ("scheduled", "scheduled")])
def test_sync_type_follows_the_dag_run_type(run_type: str, sync_type: str) -> None:
    from servicetitan_pipeline.sync.airflow_tasks import plan as plan_task

    # One credential chosen: one batch of one, named after it.
    (batch,) = plan_task({"credential": "production:13", "data_type": "customers"}, run_type)
    assert batch["label"] == "Bright HVAC (production, tenant 13)"
    assert [(t["sync_type"], t["data_type"]) for t in batch["targets"]] == [(sync_type, "customers")]
    # Ids and labels only: nothing of the credential's connection.
    assert set(batch["targets"][0]) == {"credential_id", "label", "data_type", "sync_type", "full_refresh"}


@pytest.mark.usefixtures("credentials")
def test_bad_params_fail_the_task_as_an_expected_failure() -> None:
    from servicetitan_pipeline.sync.airflow_tasks import plan as plan_task
    from servicetitan_pipeline.sync.expected_failures import ExpectedFailure

    with pytest.raises(ExpectedFailure, match=r"^No credential 'nobody'") as refused:
        plan_task({"credential": "nobody"}, "manual")
    assert refused.value.code == 1  # a failed task, not a clean exit


def test_a_refusal_among_many_credentials_stays_one_short_line() -> None:
    from servicetitan_pipeline.sync.targets import unknown_credential_message

    labels = [f"Company {n} (production, tenant {n})" for n in range(5000)] + ["Acme Plumbing (integration, tenant 1)"]
    message = unknown_credential_message("Acme Plumbng", labels)
    # The key sentence first: what was refused and the likely intended name.
    assert message.startswith("No credential 'Acme Plumbng': did you mean Acme Plumbing (integration, tenant 1)?")
    assert "and 4995 more (`servicetitan credentials list --active`)" in message
    assert len(message) < 400


def test_a_refusal_with_nothing_onboarded_says_how_to_onboard() -> None:
    from servicetitan_pipeline.sync.targets import unknown_credential_message

    assert unknown_credential_message("x", []) == (
        "No credential 'x': none is onboarded yet. Onboard one with `servicetitan credentials add`."
    )
