"""Model-level rules: a wrong value is refused with a clear message before any SQL is sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from servicetitan_pipeline.db.enums import ConnectionStatus, DataType, SyncStatus, SyncType
from servicetitan_pipeline.db.models import InvalidFieldValue, ServiceTitanCredential, ServiceTitanSyncLog
from servicetitan_pipeline.servicetitan.hosts import Environment
from tests.factories import make_credential, make_sync_log


@pytest.fixture
def statements(session: Session) -> list[str]:
    """Every SQL statement the session's connection sends during the test."""
    sent: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


class TestCredentialValidation:
    def test_valid_credential_round_trips_with_defaults(self, session: Session) -> None:
        credential = make_credential(environment="production")
        session.add(credential)
        session.commit()
        stored = session.get(ServiceTitanCredential, credential.id)
        assert stored is not None
        session.refresh(stored)
        assert stored.environment is Environment.PRODUCTION
        assert stored.connection_status is ConnectionStatus.PENDING
        assert stored.is_active is True
        assert stored.created_at is not None
        assert stored.updated_at is not None
        assert stored.label == f"Acme Plumbing (production, tenant {credential.tenant_id})"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("environment", "staging", "'staging' is not one of: integration, production"),
            ("connection_status", "ok", "'ok' is not one of: pending, connected, error, disabled"),
            ("tenant_id", "123", "must be an integer"),
            ("tenant_id", 0, "must be a positive int64"),
            ("tenant_id", 2**63, "must be a positive int64"),
            ("tenant_id", True, "must be an integer"),
            ("company_name", "   ", "must be a non-empty string"),
            ("company_name", "x" * 256, "at most 255 characters"),
            ("airflow_conn_id", "", "must be a non-empty string"),
            ("company_id", "not-a-uuid", "is not a UUID"),
        ],
    )
    def test_bad_value_is_refused_before_sql(
        self, statements: list[str], field: str, value: object, message: str
    ) -> None:
        with pytest.raises(InvalidFieldValue, match=message) as refused:
            make_credential(**{field: value})
        assert refused.value.field == field
        assert f"ServiceTitanCredential.{field}" in str(refused.value)
        assert statements == []

    def test_enum_values_accept_their_text(self) -> None:
        credential = make_credential(environment="integration", connection_status="error")
        assert credential.environment is Environment.INTEGRATION
        assert credential.connection_status is ConnectionStatus.ERROR

    def test_company_name_is_trimmed(self) -> None:
        assert make_credential(company_name="  Acme  ").company_name == "Acme"

    def test_updated_at_moves_on_update(self, session: Session) -> None:
        credential = make_credential()
        session.add(credential)
        session.commit()
        first = credential.updated_at
        session.execute(sa.text("SELECT pg_sleep(0.01)"))
        credential.connection_status = ConnectionStatus.CONNECTED
        session.commit()
        session.refresh(credential)
        assert credential.updated_at > first


class TestSyncLogValidation:
    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("sync_type", "cron", "'cron' is not one of: manual, scheduled"),
            ("data_type", "jobs", "'jobs' is not one of: invoices, customers, both"),
            ("status", "done", "'done' is not one of: running, completed, failed"),
            ("records_processed", -1, "between 0 and 2"),
            ("records_failed", 1.5, "must be an integer"),
            ("processing_time_seconds", -3, "between 0 and 2"),
            ("error_details", ["not", "an", "object"], "must be a JSON object"),
            ("error_details", {"when": datetime(2026, 1, 1)}, "not JSON-serialisable"),
            ("error_details", {"ratio": float("nan")}, "not JSON-serialisable"),
        ],
    )
    def test_bad_value_is_refused_before_sql(
        self, session: Session, statements: list[str], field: str, value: object, message: str
    ) -> None:
        credential = make_credential()
        with pytest.raises(InvalidFieldValue, match=message):
            make_sync_log(credential, **{field: value})
        assert statements == []

    def test_outcomes_above_processed_are_refused_at_flush_before_insert(
        self, session: Session, statements: list[str]
    ) -> None:
        credential = make_credential()
        session.add(credential)
        session.flush()
        statements.clear()
        session.add(make_sync_log(credential, records_processed=5, records_successful=4, records_failed=2))
        with pytest.raises(
            InvalidFieldValue, match=r"successful \+ failed \(6\) cannot exceed records_processed \(5\)"
        ):
            session.flush()
        assert not any("servicetitan_sync_logs" in s for s in statements)

    @pytest.mark.parametrize(
        ("status", "completed", "message"),
        [
            ("completed", None, "is required when status is completed"),
            ("failed", None, "is required when status is failed"),
            ("running", datetime(2026, 11, 1, 13, tzinfo=UTC), "must be empty while status is running"),
            ("completed", datetime(2026, 11, 1, 11, tzinfo=UTC), "cannot be before started_at"),
        ],
    )
    def test_completed_at_follows_status(
        self, session: Session, status: str, completed: datetime | None, message: str
    ) -> None:
        credential = make_credential()
        session.add(make_sync_log(credential, status=status, completed_at=completed))
        with pytest.raises(InvalidFieldValue, match=message):
            session.flush()

    def test_running_row_gets_defaults(self, session: Session) -> None:
        credential = make_credential()
        log = ServiceTitanSyncLog(credential=credential, sync_type=SyncType.MANUAL, data_type=DataType.BOTH)
        session.add(log)
        session.commit()
        session.refresh(log)
        assert log.status is SyncStatus.RUNNING
        assert (log.records_processed, log.records_successful, log.records_failed) == (0, 0, 0)
        assert log.started_at is not None
        assert log.completed_at is None
        assert log.error_message is None
        assert log.error_details is None

    def test_nul_characters_are_replaced_not_rejected(self, session: Session) -> None:
        credential = make_credential()
        log = make_sync_log(credential, status="failed", error_message="bad\x00byte", error_details={"body": "a\x00b"})
        session.add(log)
        session.commit()
        session.expire_all()
        stored = session.get(ServiceTitanSyncLog, log.id)
        assert stored is not None
        assert stored.error_message == "bad\ufffdbyte"
        assert stored.error_details == {"body": "a\ufffdb"}


class TestErrorDetailsRoundTrip:
    @pytest.mark.parametrize(
        "details",
        [
            pytest.param(
                {
                    "exception": "ServiceTitanRateLimited",
                    "http": {"status": 429, "endpoint": "/accounting/v2/tenant/1/export/invoices", "retries": [1, 2]},
                    "failed_records": [{"id": 7, "reason": {"field": "total", "problem": "not money"}}],
                    "flags": {"retriable": True, "fatal": False, "note": None},
                },
                id="nested",
            ),
            pytest.param(
                {"message": "Ünïcödé ✓ 日本語 emoji 🚀", "quote": "\"'\\", "rtl": "שלום"},
                id="unicode",
            ),
            pytest.param(
                {"failed_records": [{"id": i, "reason": "x" * 200} for i in range(5000)]},
                id="large",
            ),
        ],
    )
    def test_error_details_round_trip(self, session: Session, details: dict[str, object]) -> None:
        credential = make_credential()
        log = make_sync_log(credential, status="failed", error_message="sync failed", error_details=details)
        session.add(log)
        session.commit()
        session.expire_all()
        stored = session.get(ServiceTitanSyncLog, log.id)
        assert stored is not None
        assert stored.error_details == details


class TestRelationships:
    def test_logs_belong_to_their_credential(self, session: Session) -> None:
        credential = make_credential()
        first = make_sync_log(credential)
        second = make_sync_log(credential, data_type="customers")
        session.add(credential)
        session.commit()
        session.expire_all()
        stored = session.get(ServiceTitanCredential, credential.id)
        assert stored is not None
        assert {log.id for log in stored.sync_logs} == {first.id, second.id}
        assert all(log.credential.id == credential.id for log in stored.sync_logs)

    def test_deleting_a_credential_deletes_its_logs_in_the_database(self, session: Session) -> None:
        keep, drop = make_credential(), make_credential(company_name="Other Co")
        for credential in (keep, drop):
            for _ in range(3):
                make_sync_log(credential)
        session.add_all([keep, drop])
        session.commit()
        # Plain SQL delete: the cascade is PostgreSQL's (ON DELETE CASCADE), not the ORM's.
        session.execute(sa.text("DELETE FROM servicetitan_credentials WHERE id = :id"), {"id": drop.id})
        session.commit()
        remaining = session.execute(sa.text("SELECT credential_id, count(*) FROM servicetitan_sync_logs GROUP BY 1"))
        assert dict(remaining.all()) == {keep.id: 3}

    def test_orm_delete_cascades_too(self, session: Session) -> None:
        credential = make_credential()
        make_sync_log(credential)
        session.add(credential)
        session.commit()
        session.delete(credential)
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(ServiceTitanSyncLog)) == 0

    def test_log_without_credential_is_refused(self, session: Session) -> None:
        session.add(ServiceTitanSyncLog(credential_id=uuid.uuid4(), sync_type="manual", data_type="invoices"))
        with pytest.raises(sa.exc.IntegrityError, match="fk_servicetitan_sync_logs_credential_id"):
            session.flush()

    def test_completed_log_of_a_long_sync(self, session: Session) -> None:
        credential = make_credential()
        started = datetime(2026, 11, 1, tzinfo=UTC)
        log = make_sync_log(credential, started_at=started, completed_at=started + timedelta(hours=3))
        session.add(log)
        session.commit()
        assert log.completed_at is not None
        assert log.completed_at - log.started_at == timedelta(hours=3)
