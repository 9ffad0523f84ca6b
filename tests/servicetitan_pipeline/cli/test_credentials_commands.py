"""`servicetitan credentials ...` as an admin uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from servicetitan_pipeline.cli.main import main
from tests.factories import make_credential

pytestmark = pytest.mark.usefixtures("clean_db", "airflow_connections")

SECRET = "very-secret-client-secret"
APP_KEY = "very-secret-app-key"


@pytest.fixture
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICETITAN_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SERVICETITAN_APP_KEY", APP_KEY)


def add(*extra: str, tenant: str = "1001", environment: str = "integration") -> int:
    return main(
        [
            "credentials",
            "add",
            "--company",
            "Acme Plumbing",
            "--environment",
            environment,
            "--tenant-id",
            tenant,
            "--client-id",
            "acme-client",
            *extra,
        ]
    )


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM servicetitan_credentials")).scalar_one()


@pytest.mark.usefixtures("secrets_in_env")
def test_add_then_list(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    assert add("--client-secret-expires-at", "2027-01-31") == 0
    out = capsys.readouterr().out
    assert "onboarded Acme Plumbing (integration, tenant 1001)" in out
    assert "Airflow connection 'servicetitan_integration_1001'" in out

    assert main(["credentials", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Acme Plumbing" in listing
    assert "integration" in listing
    assert "pending" in listing
    assert "2027-01-31" in listing

    assert main(["credentials", "list", "--json"]) == 0
    (credential,) = json.loads(capsys.readouterr().out)
    assert credential["tenant_id"] == 1001
    assert credential["client_secret_expires_at"].startswith("2027-01-31")
    assert credential["airflow_conn_id"] == "servicetitan_integration_1001"


@pytest.mark.usefixtures("secrets_in_env")
def test_secrets_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    add()
    main(["credentials", "list"])
    main(["credentials", "list", "--json"])
    add()  # duplicate: the error path too
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert SECRET not in text
        assert APP_KEY not in text


@pytest.mark.usefixtures("secrets_in_env")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--environment", "staging"], "unknown environment 'staging': use integration or production"),
        (["--tenant-id", "12ab"], "tenant id '12ab' is not a number"),
        (["--company", "  "], "company name is empty"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], engine: Engine, arguments: list[str], message: str
) -> None:
    base = {"--company": "Acme", "--environment": "integration", "--tenant-id": "1001", "--client-id": "c"}
    base.update(dict(zip(arguments[::2], arguments[1::2], strict=True)))
    argv = ["credentials", "add"] + [item for pair in base.items() for item in pair]
    assert main(argv) == 2
    assert f"error: {message}" in capsys.readouterr().err
    assert rows(engine) == 0


def test_empty_secret_is_refused(
    capsys: pytest.CaptureFixture[str], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICETITAN_CLIENT_SECRET", "")
    monkeypatch.setenv("SERVICETITAN_APP_KEY", APP_KEY)
    assert add() == 2
    assert "error: client secret is empty" in capsys.readouterr().err
    assert rows(engine) == 0


@pytest.mark.usefixtures("secrets_in_env")
def test_duplicate_tenant_is_refused(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    assert add() == 0
    assert add() == 2
    assert "already onboarded for Acme Plumbing" in capsys.readouterr().err
    assert rows(engine) == 1


@pytest.mark.usefixtures("secrets_in_env")
def test_disable_and_remove(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    add()
    assert main(["credentials", "disable", "integration:1001"]) == 0
    assert "disabled Acme Plumbing" in capsys.readouterr().out
    assert main(["credentials", "list", "--active"]) == 0
    assert "no credentials yet" in capsys.readouterr().out

    assert main(["credentials", "remove", "integration:1001"]) == 2  # no tty, no --yes
    assert "pass --yes" in capsys.readouterr().err
    assert rows(engine) == 1
    assert main(["credentials", "remove", "integration:1001", "--yes"]) == 0
    assert "removed Acme Plumbing (integration, tenant 1001) and 0 sync log row(s)" in capsys.readouterr().out
    assert rows(engine) == 0


def test_unknown_credential(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["credentials", "disable", "production:999"]) == 2
    assert "no credential 'production:999'" in capsys.readouterr().err


def test_upgrade_connections_hides_the_app_key_of_earlier_connections(capsys: pytest.CaptureFixture[str]) -> None:
    from airflow._shared.secrets_masker import redact
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    from servicetitan_pipeline.servicetitan.hook import ServiceTitanHook

    # As an earlier version stored it: the app key under "app_key", which Airflow shows in plain text.
    with create_session() as session:
        session.add(
            Connection(
                conn_id="servicetitan_integration_1001",
                conn_type="servicetitan",
                login="acme-client",
                password=SECRET,
                extra=json.dumps({"tenant_id": "1001", "environment": "integration", "app_key": APP_KEY}),
            )
        )
    assert main(["credentials", "upgrade-connections"]) == 0
    assert capsys.readouterr().out == (
        "upgraded Airflow connection 'servicetitan_integration_1001': "
        "app key hidden in the UI and the REST API, tenant id stored as a number\n"
    )
    conn = Connection.get_connection_from_secrets("servicetitan_integration_1001")
    assert APP_KEY not in json.dumps(redact(conn.extra_dejson))
    assert conn.extra_dejson["tenant_id"] == 1001
    assert ServiceTitanHook("servicetitan_integration_1001").credentials.app_key == APP_KEY

    assert main(["credentials", "upgrade-connections"]) == 0
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.usefixtures("secrets_in_env")
def test_a_company_name_with_control_characters_is_refused(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    argv = ["credentials", "add", "--company", "\x01\x1b[31mEvil Co", "--environment", "integration"]
    assert main([*argv, "--tenant-id", "1001", "--client-id", "c"]) == 2
    err = capsys.readouterr().err
    assert "error: company name contains control characters (U+0001, U+001B)" in err
    assert "\x1b" not in err
    assert rows(engine) == 0


def test_stored_control_characters_are_printed_escaped(capsys: pytest.CaptureFixture[str], session: Session) -> None:
    # Already in the database (written before onboarding refused them, or by another tool).
    session.add(make_credential(company_name="\x1b]0;pwned\x07\x1b[31mEvil Co\u202e", tenant_id=1001))
    session.commit()
    assert main(["credentials", "list"]) == 0
    listing = capsys.readouterr().out
    assert "\\x1b]0;pwned\\x07\\x1b[31mEvil Co\\u202e" in listing
    assert main(["credentials", "list", "--json"]) == 0
    assert main(["credentials", "disable", "integration:1001"]) == 0
    assert "disabled \\x1b]0;pwned" in capsys.readouterr().out
    assert main(["credentials", "add", "--company", "X", "--environment", "integration", "--tenant-id", "1001"]) == 2
    captured = capsys.readouterr()
    for text in (listing, captured.out, captured.err):
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "\u202e" not in text


def test_add_many_adds_the_good_rows_and_reports_the_bad_by_line(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "tenants.csv"
    path.write_text(
        "company,environment,tenant_id,client_id,client_secret,app_key\n"
        f"Acme Plumbing,integration,2001,acme-client,{SECRET},{APP_KEY}\n"
        f"Bright HVAC,staging,2002,bright-client,{SECRET},{APP_KEY}\n"
        f"Crest Electric,integration,2003,crest-client,{SECRET},{APP_KEY}\n"
        f"Acme again,integration,2001,acme-client,{SECRET},{APP_KEY}\n"
    )
    assert main(["credentials", "add-many", "--file", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "onboarded 2 of 4 credential(s)" in out
    assert f"{path}: line 3: unknown environment" in err
    assert f"{path}: line 5: tenant 2001 in integration is already onboarded" in err
    assert SECRET not in out + err
    assert APP_KEY not in out + err
    with Session(engine) as session:
        tenants = session.scalars(sa.text("SELECT tenant_id FROM servicetitan_credentials ORDER BY tenant_id")).all()
    assert tenants == [2001, 2003]


def test_add_many_from_yaml_adds_every_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        "".join(
            f"- {{company: Co {n}, environment: integration, tenant_id: {n}, client_id: c{n},"
            f" client_secret: {SECRET}, app_key: {APP_KEY}}}\n"
            for n in (3001, 3002, 3003)
        )
    )
    assert main(["credentials", "add-many", "--file", str(path)]) == 0
    assert "onboarded 3 of 3 credential(s)" in capsys.readouterr().out
    assert main(["credentials", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(c["tenant_id"] for c in listed) == [3001, 3002, 3003]


def trigger_form_list() -> list[str] | None:
    from airflow.models.variable import Variable

    from servicetitan_pipeline.sync.trigger_form import CHOICES_VARIABLE

    return Variable.get(CHOICES_VARIABLE, default_var=None, deserialize_json=True)  # type: ignore[no-any-return]


@pytest.mark.usefixtures("secrets_in_env")
def test_the_trigger_form_list_follows_add_disable_enable_and_remove(capsys: pytest.CaptureFixture[str]) -> None:
    acme = "Acme Plumbing (integration, tenant 1001)"
    assert add() == 0
    assert "trigger form: lists 1 credential(s)" in capsys.readouterr().out
    assert trigger_form_list() == [acme]
    assert main(["credentials", "disable", "integration:1001"]) == 0
    assert trigger_form_list() == []
    assert main(["credentials", "enable", "integration:1001"]) == 0
    assert f"enabled {acme}: the next run syncs it" in capsys.readouterr().out
    assert trigger_form_list() == [acme]
    assert main(["credentials", "list", "--json", "--active"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["is_active"], listed["connection_status"]) == (True, "pending")
    assert main(["credentials", "remove", "integration:1001", "--yes"]) == 0
    assert trigger_form_list() == []


def test_add_many_lists_the_new_credentials_in_the_trigger_form(tmp_path: Path) -> None:
    path = tmp_path / "tenants.csv"
    path.write_text(
        "company,environment,tenant_id,client_id,client_secret,app_key\n"
        f"Crest Electric,integration,2003,crest-client,{SECRET},{APP_KEY}\n"
        f"Acme Plumbing,integration,2001,acme-client,{SECRET},{APP_KEY}\n"
    )
    assert main(["credentials", "add-many", "--file", str(path)]) == 0
    assert trigger_form_list() == [
        "Acme Plumbing (integration, tenant 2001)",
        "Crest Electric (integration, tenant 2003)",
    ]


def test_publish_choices_rewrites_the_list_from_the_database(
    capsys: pytest.CaptureFixture[str], session: Session
) -> None:
    from airflow.models.variable import Variable

    from servicetitan_pipeline.sync.trigger_form import CHOICES_VARIABLE

    Variable.set(CHOICES_VARIABLE, ["Gone Co (production, tenant 9)"], serialize_json=True)
    session.add(make_credential(company_name="Bright HVAC", environment="production", tenant_id=13))
    session.commit()
    assert main(["credentials", "publish-choices"]) == 0
    assert "trigger form: lists 1 credential(s)" in capsys.readouterr().out
    assert trigger_form_list() == ["Bright HVAC (production, tenant 13)"]
