"""PostgreSQL itself enforces every rule: wrong values written with plain SQL are rejected."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

INSERT_CREDENTIAL = sa.text(
    "INSERT INTO servicetitan_credentials (id, company_id, company_name, environment, tenant_id, airflow_conn_id)"
    " VALUES (:id, :company_id, :company_name, :environment, :tenant_id, :airflow_conn_id)"
)
INSERT_SYNC_LOG = sa.text(
    "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type, status, started_at, completed_at,"
    " records_processed, records_successful, records_failed, error_details, processing_time_seconds)"
    " VALUES (:id, :credential_id, :sync_type, :data_type, :status, :started_at, :completed_at,"
    " :records_processed, :records_successful, :records_failed, CAST(:error_details AS jsonb),"
    " :processing_time_seconds)"
)


def credential_values(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "company_id": uuid.uuid4(),
        "company_name": "Acme",
        "environment": "integration",
        "tenant_id": 1001,
        "airflow_conn_id": f"conn_{uuid.uuid4().hex}",
    }
    values.update(overrides)
    return values


def sync_log_values(credential_id: object, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "credential_id": credential_id,
        "sync_type": "manual",
        "data_type": "both",
        "status": "completed",
        "started_at": "2026-11-01T12:00:00Z",
        "completed_at": "2026-11-01T12:01:00Z",
        "records_processed": 10,
        "records_successful": 8,
        "records_failed": 2,
        "error_details": None,
        "processing_time_seconds": 60,
    }
    values.update(overrides)
    return values


@pytest.fixture
def conn(clean_db: Engine) -> Connection:
    with clean_db.connect() as connection:
        yield connection
        connection.rollback()


@pytest.fixture
def credential_id(conn: Connection) -> object:
    values = credential_values()
    conn.execute(INSERT_CREDENTIAL, values)
    return values["id"]


def assert_rejected(conn: Connection, statement: sa.TextClause, values: dict[str, object], constraint: str) -> None:
    """The statement fails on ``constraint`` (a constraint name, or the column of a NOT NULL)."""
    savepoint = conn.begin_nested()
    with pytest.raises(sa.exc.IntegrityError) as rejected:
        conn.execute(statement, values)
    savepoint.rollback()
    diag = rejected.value.orig.diag  # type: ignore[union-attr]
    assert constraint.endswith(diag.constraint_name or diag.column_name)


class TestCredentialConstraints:
    @pytest.mark.parametrize(
        ("overrides", "constraint"),
        [
            ({"environment": "staging"}, "ck_servicetitan_credentials_environment"),
            ({"tenant_id": 0}, "ck_servicetitan_credentials_tenant_id_positive"),
            ({"tenant_id": -5}, "ck_servicetitan_credentials_tenant_id_positive"),
            ({"company_name": "  "}, "ck_servicetitan_credentials_company_name_not_blank"),
            ({"airflow_conn_id": ""}, "ck_servicetitan_credentials_airflow_conn_id_not_blank"),
            ({"company_name": None}, "company_name"),
        ],
    )
    def test_bad_credential_is_rejected(self, conn: Connection, overrides: dict[str, object], constraint: str) -> None:
        assert_rejected(conn, INSERT_CREDENTIAL, credential_values(**overrides), constraint)

    def test_bad_connection_status_is_rejected(self, conn: Connection, credential_id: object) -> None:
        savepoint = conn.begin_nested()
        with pytest.raises(sa.exc.IntegrityError, match="ck_servicetitan_credentials_connection_status"):
            conn.execute(
                sa.text("UPDATE servicetitan_credentials SET connection_status = 'ok' WHERE id = :id"),
                {"id": credential_id},
            )
        savepoint.rollback()

    def test_tenant_is_unique_per_environment(self, conn: Connection, credential_id: object) -> None:
        assert_rejected(
            conn,
            INSERT_CREDENTIAL,
            credential_values(tenant_id=1001),
            "uq_servicetitan_credentials_environment_tenant",
        )
        # The same tenant id in the other environment is a different tenant.
        conn.execute(INSERT_CREDENTIAL, credential_values(tenant_id=1001, environment="production"))

    def test_connection_id_is_unique(self, conn: Connection) -> None:
        conn.execute(INSERT_CREDENTIAL, credential_values(airflow_conn_id="shared"))
        assert_rejected(
            conn,
            INSERT_CREDENTIAL,
            credential_values(airflow_conn_id="shared", tenant_id=2002),
            "uq_servicetitan_credentials_airflow_conn_id",
        )

    def test_tenant_id_holds_int64(self, conn: Connection) -> None:
        conn.execute(INSERT_CREDENTIAL, credential_values(tenant_id=2**63 - 1))


class TestSyncLogConstraints:
    @pytest.mark.parametrize(
        ("overrides", "constraint"),
        [
            ({"sync_type": "cron"}, "ck_servicetitan_sync_logs_sync_type"),
            ({"data_type": "jobs"}, "ck_servicetitan_sync_logs_data_type"),
            ({"status": "done"}, "ck_servicetitan_sync_logs_status"),
            ({"records_successful": -1}, "ck_servicetitan_sync_logs_records_successful_non_negative"),
            ({"records_failed": -1}, "ck_servicetitan_sync_logs_records_failed_non_negative"),
            (
                {"records_successful": 9, "records_failed": 2},
                "ck_servicetitan_sync_logs_records_outcomes_within_processed",
            ),
            ({"status": "completed", "completed_at": None}, "ck_servicetitan_sync_logs_completed_at_iff_finished"),
            ({"status": "running"}, "ck_servicetitan_sync_logs_completed_at_iff_finished"),
            ({"completed_at": "2026-11-01T11:00:00Z"}, "ck_servicetitan_sync_logs_completed_after_started"),
            ({"processing_time_seconds": -1}, "ck_servicetitan_sync_logs_processing_time_non_negative"),
            ({"error_details": "[1, 2]"}, "ck_servicetitan_sync_logs_error_details_is_object"),
            ({"error_details": '"text"'}, "ck_servicetitan_sync_logs_error_details_is_object"),
        ],
    )
    def test_bad_sync_log_is_rejected(
        self, conn: Connection, credential_id: object, overrides: dict[str, object], constraint: str
    ) -> None:
        assert_rejected(conn, INSERT_SYNC_LOG, sync_log_values(credential_id, **overrides), constraint)

    def test_unknown_credential_is_rejected(self, conn: Connection, credential_id: object) -> None:
        values = sync_log_values(uuid.uuid4())
        assert_rejected(conn, INSERT_SYNC_LOG, values, "fk_servicetitan_sync_logs_credential_id")

    def test_negative_processed_is_rejected(self, conn: Connection, credential_id: object) -> None:
        values = sync_log_values(credential_id, records_processed=-1, records_successful=0, records_failed=0)
        savepoint = conn.begin_nested()
        with pytest.raises(sa.exc.IntegrityError, match=r"non_negative|outcomes_within_processed"):
            conn.execute(INSERT_SYNC_LOG, values)
        savepoint.rollback()

    def test_counts_default_to_zero_and_status_to_running(self, conn: Connection, credential_id: object) -> None:
        row = conn.execute(
            sa.text(
                "INSERT INTO servicetitan_sync_logs (id, credential_id, sync_type, data_type)"
                " VALUES (:id, :credential_id, 'scheduled', 'invoices')"
                " RETURNING status, records_processed, records_successful, records_failed, started_at, completed_at"
            ),
            {"id": uuid.uuid4(), "credential_id": credential_id},
        ).one()
        assert row.status == "running"
        assert (row.records_processed, row.records_successful, row.records_failed) == (0, 0, 0)
        assert row.started_at is not None
        assert row.completed_at is None

    def test_cascade_delete(self, conn: Connection, credential_id: object) -> None:
        conn.execute(INSERT_SYNC_LOG, sync_log_values(credential_id))
        conn.execute(sa.text("DELETE FROM servicetitan_credentials WHERE id = :id"), {"id": credential_id})
        assert conn.execute(sa.text("SELECT count(*) FROM servicetitan_sync_logs")).scalar_one() == 0
