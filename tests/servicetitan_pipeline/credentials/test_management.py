"""Onboarding writes the credential row and its encrypted Airflow connection, or nothing."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from servicetitan_pipeline.credentials import management
from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore
from servicetitan_pipeline.db.enums import ConnectionStatus
from servicetitan_pipeline.db.models import ServiceTitanCredential
from servicetitan_pipeline.servicetitan.hosts import Environment
from tests.factories import make_credential, make_sync_log

pytestmark = pytest.mark.usefixtures("airflow_connections")


def new_credential(**overrides: object) -> management.NewCredential:
    values: dict[str, object] = {
        "company_name": "Acme Plumbing",
        "environment": "integration",
        "tenant_id": "1001",
        "client_id": "acme-client",
        "client_secret": "acme-secret-value",
        "app_key": "acme-app-key",
    }
    values.update(overrides)
    return management.NewCredential(**values)  # type: ignore[arg-type]


def stored_connection(conn_id: str):  # type: ignore[no-untyped-def]
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with create_session() as db:
        conn = db.query(Connection).filter(Connection.conn_id == conn_id).one_or_none()
        if conn is None:
            return None
        raw = db.execute(sa.text("SELECT password, extra FROM connection WHERE conn_id = :id"), {"id": conn_id}).one()
        db.expunge(conn)
        return conn, raw


def credential_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ServiceTitanCredential)) or 0


class TestValidate:
    def test_reports_every_problem_with_what_to_do(self) -> None:
        with pytest.raises(management.CredentialInputError) as refused:
            management.validate(
                new_credential(company_name=" ", environment="prod", tenant_id="12a", client_secret="", app_key=None)
            )
        assert refused.value.problems == [
            "company name is empty: give --company",
            "unknown environment 'prod': use integration or production",
            "tenant id '12a' is not a number: use the numeric tenant id from ServiceTitan",
            "client secret is empty: set SERVICETITAN_CLIENT_SECRET or run interactively",
            "app key is empty: set SERVICETITAN_APP_KEY or run interactively",
        ]

    @pytest.mark.parametrize(
        ("overrides", "problem"),
        [
            ({"tenant_id": "0"}, "tenant id 0 is out of range"),
            ({"tenant_id": str(2**63)}, "out of range"),
            ({"tenant_id": "-5"}, "is not a number"),
            ({"client_id": ""}, "client id is empty"),
            ({"client_secret": "   "}, "client secret is empty"),
            ({"company_id": "nope"}, "company id 'nope' is not a UUID"),
            ({"base_url": "ftp://x"}, "must start with http:// or https://"),
            ({"existing_conn_id": "bad id!"}, "may hold only letters"),
        ],
    )
    def test_single_problem(self, overrides: dict[str, object], problem: str) -> None:
        with pytest.raises(management.CredentialInputError, match=problem):
            management.validate(new_credential(**overrides))

    @pytest.mark.parametrize(
        ("company", "codes"),
        [
            ("\x01\x1b[31mEvil Co", "U+0001, U+001B"),
            ("Acme\u202eoC gnibmulP", "U+202E"),
            ("Acme\x00Plumbing", "U+0000"),
            ("Acme\nPlumbing", "U+000A"),
        ],
    )
    def test_control_characters_in_the_company_name_are_refused(self, company: str, codes: str) -> None:
        with pytest.raises(management.CredentialInputError) as refused:
            management.validate(new_credential(company_name=company))
        assert refused.value.problems == [
            f"company name contains control characters ({codes}), which would garble terminals and logs: "
            "give --company again, without them"
        ]

    def test_control_characters_in_secrets_are_refused_without_showing_them(self) -> None:
        secret = "acme\x1b[8msecret"
        with pytest.raises(management.CredentialInputError) as refused:
            management.validate(
                new_credential(client_secret=secret, client_id="acme\u200bclient", base_url="http://x\x07")
            )
        assert refused.value.problems == [
            "client id contains control characters (U+200B), which would garble terminals and logs: "
            "copy the client id again from ServiceTitan, without them",
            "client secret contains control characters (U+001B), which would garble terminals and logs: "
            "copy the client secret again from ServiceTitan, without them",
            "base URL contains control characters (U+0007), which would garble terminals and logs: "
            "give --base-url again, without them",
        ]
        assert "secret" not in str(refused.value).replace("client secret", "")

    def test_surrounding_whitespace_is_dropped_from_every_text_field(self) -> None:
        valid = management.validate(
            new_credential(company_name="  Acme Plumbing\t", client_id=" acme-client ", base_url=" http://x \n")
        )
        assert (valid.company_name, valid.base_url) == ("Acme Plumbing", "http://x")
        assert valid.secrets is not None
        assert valid.secrets.client_id == "acme-client"

    def test_environment_is_case_insensitive_and_tenant_is_parsed(self) -> None:
        valid = management.validate(new_credential(environment=" Production ", tenant_id=" 42 "))
        assert valid.environment is Environment.PRODUCTION
        assert valid.tenant_id == 42
        assert valid.conn_id == "servicetitan_production_42"

    def test_repr_never_shows_secrets(self) -> None:
        new = new_credential()
        valid = management.validate(new)
        for text in (repr(new), repr(valid), str(valid)):
            assert "acme-secret-value" not in text
            assert "acme-app-key" not in text


class TestOnboard:
    def test_writes_row_and_encrypted_connection(self, session: Session) -> None:
        credential = management.onboard(
            session, new_credential(base_url="http://127.0.0.1:9999"), AirflowConnectionSecretStore()
        )
        session.commit()

        assert credential.connection_status is ConnectionStatus.PENDING
        assert credential.is_active
        assert credential.airflow_conn_id == "servicetitan_integration_1001"
        found = stored_connection("servicetitan_integration_1001")
        assert found is not None
        conn, raw = found
        assert conn.conn_type == "servicetitan"
        assert conn.login == "acme-client"
        assert conn.password == "acme-secret-value"
        assert conn.extra_dejson == {
            "tenant_id": 1001,
            "environment": "integration",
            "app_api_key": "acme-app-key",
            "base_url": "http://127.0.0.1:9999",
        }
        # At rest, Airflow's metadata database holds ciphertext only.
        assert "acme-secret-value" not in raw.password
        assert "acme-app-key" not in raw.extra

    def test_secrets_are_not_in_project_tables(self, session: Session) -> None:
        management.onboard(session, new_credential(), AirflowConnectionSecretStore())
        session.commit()
        row = session.execute(sa.text("SELECT row_to_json(c)::text FROM servicetitan_credentials c")).scalar_one()
        assert "acme-secret-value" not in row
        assert "acme-app-key" not in row
        assert "acme-client" not in row

    def test_duplicate_tenant_is_refused_and_nothing_changes(self, session: Session) -> None:
        store = AirflowConnectionSecretStore()
        first = management.onboard(session, new_credential(), store)
        session.commit()
        with pytest.raises(management.CredentialInputError, match=r"tenant 1001 in integration is already onboarded"):
            management.onboard(session, new_credential(company_name="Other", client_secret="other"), store)
        session.rollback()
        assert credential_count(session) == 1
        found = stored_connection(first.airflow_conn_id)
        assert found is not None
        assert found[0].password == "acme-secret-value"

    def test_same_tenant_in_other_environment_is_another_credential(self, session: Session) -> None:
        store = AirflowConnectionSecretStore()
        management.onboard(session, new_credential(), store)
        management.onboard(session, new_credential(environment="production"), store)
        session.commit()
        assert credential_count(session) == 2

    def test_refusal_writes_nothing(self, session: Session) -> None:
        with pytest.raises(management.CredentialInputError):
            management.onboard(session, new_credential(tenant_id="abc"), AirflowConnectionSecretStore())
        session.rollback()
        assert credential_count(session) == 0
        assert stored_connection("servicetitan_integration_abc") is None

    def test_company_keeps_its_id_across_tenants(self, session: Session) -> None:
        store = AirflowConnectionSecretStore()
        first = management.onboard(session, new_credential(), store)
        second = management.onboard(session, new_credential(company_name="acme plumbing", tenant_id="1002"), store)
        other = management.onboard(session, new_credential(company_name="Other Co", tenant_id="1003"), store)
        assert first.company_id == second.company_id != other.company_id

    def test_explicit_company_id(self, session: Session) -> None:
        company_id = uuid.uuid4()
        credential = management.onboard(
            session, new_credential(company_id=str(company_id)), AirflowConnectionSecretStore()
        )
        assert credential.company_id == company_id

    def test_existing_connection_is_referenced_not_written(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # As a secrets backend or an environment variable would provide it.
        monkeypatch.setenv(
            "AIRFLOW_CONN_VAULT_ACME",
            json.dumps({"conn_type": "servicetitan", "login": "id", "password": "pw", "extra": {"tenant_id": "7"}}),
        )
        credential = management.onboard(
            session,
            new_credential(existing_conn_id="vault_acme", client_id=None, client_secret=None, app_key=None),
            AirflowConnectionSecretStore(),
        )
        assert credential.airflow_conn_id == "vault_acme"
        assert stored_connection("vault_acme") is None

    def test_missing_existing_connection_is_refused(self, session: Session) -> None:
        with pytest.raises(management.CredentialInputError, match="'nowhere' does not exist"):
            management.onboard(
                session,
                new_credential(existing_conn_id="nowhere", client_id=None, client_secret=None, app_key=None),
                AirflowConnectionSecretStore(),
            )

    def test_leftover_connection_is_not_overwritten(self, session: Session) -> None:
        store = AirflowConnectionSecretStore()
        management.onboard(session, new_credential(), store)
        session.rollback()  # the row is gone, the connection stays (written outside this transaction)
        with pytest.raises(management.CredentialInputError, match="already exists"):
            management.onboard(session, new_credential(client_secret="new-secret"), store)


class TestManage:
    def test_find_by_id_or_environment_and_tenant(self, session: Session) -> None:
        credential = make_credential(tenant_id=555)
        session.add(credential)
        session.flush()
        assert management.find_credential(session, str(credential.id)) is credential
        assert management.find_credential(session, "integration:555") is credential
        for reference in ("production:555", "integration:x", str(uuid.uuid4()), "garbage"):
            with pytest.raises(management.CredentialNotFound, match="servicetitan credentials list"):
                management.find_credential(session, reference)

    def test_disable_keeps_history(self, session: Session) -> None:
        credential = make_credential(tenant_id=556)
        make_sync_log(credential)
        session.add(credential)
        session.flush()
        management.disable(session, "integration:556")
        session.commit()
        session.refresh(credential)
        assert credential.is_active is False
        assert credential.connection_status is ConnectionStatus.DISABLED
        assert len(credential.sync_logs) == 1
        assert [c.tenant_id for c in management.list_credentials(session, include_inactive=False)] == []
        assert [c.tenant_id for c in management.list_credentials(session)] == [556]

    def test_remove_deletes_row_logs_and_own_connection(self, session: Session) -> None:
        store = AirflowConnectionSecretStore()
        credential = management.onboard(session, new_credential(), store)
        for _ in range(2):
            session.add(make_sync_log(credential))
        session.commit()
        removed, log_count = management.remove(session, "integration:1001", store)
        session.commit()
        assert removed.id == credential.id
        assert log_count == 2
        assert credential_count(session) == 0
        assert session.execute(sa.text("SELECT count(*) FROM servicetitan_sync_logs")).scalar_one() == 0
        assert stored_connection("servicetitan_integration_1001") is None
