"""SQLAlchemy models of the project's tables.

Every rule here is enforced twice: by PostgreSQL (CHECK, FOREIGN KEY, UNIQUE, see the
migrations) so plain SQL cannot break it, and by the models, so Python code gets a clear
``InvalidFieldValue`` before any SQL is sent.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from servicetitan_pipeline.db.enums import ConnectionStatus, DataType, SyncStatus, SyncType
from servicetitan_pipeline.servicetitan.hosts import Environment

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class InvalidFieldValue(ValueError):
    """A model field was given a value the table would reject; the message says which and why."""

    def __init__(self, model: str, field: str, problem: str) -> None:
        super().__init__(f"{model}.{field}: {problem}")
        self.model = model
        self.field = field


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _enum_type(enum_cls: type[StrEnum], name: str) -> sa.Enum:
    # VARCHAR + CHECK rather than a native PG enum: new values are a plain migration, no ALTER TYPE.
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


def _coerce_enum(model: str, field: str, enum_cls: type[StrEnum], value: Any) -> StrEnum:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        raise InvalidFieldValue(model, field, f"{value!r} is not one of: {allowed}") from None


def _strip_nul(text: str) -> str:
    # PostgreSQL text and jsonb cannot hold U+0000; an API error body might.
    return text.replace("\x00", "\ufffd")


def _timestamp_column(nullable: bool = True) -> Mapped[Any]:
    return mapped_column(sa.DateTime(timezone=True), nullable=nullable)


class ServiceTitanCredential(Base):
    """One company's access to one ServiceTitan tenant in one environment.

    The secrets (client id, client secret, app key) are not in this table: they live in the
    Airflow connection named by ``airflow_conn_id`` (README, "Where secrets live").
    """

    __tablename__ = "servicetitan_credentials"
    __table_args__ = (
        sa.UniqueConstraint("environment", "tenant_id", name="uq_servicetitan_credentials_environment_tenant"),
        sa.CheckConstraint("tenant_id > 0", name="tenant_id_positive"),
        sa.CheckConstraint("length(btrim(company_name)) > 0", name="company_name_not_blank"),
        sa.CheckConstraint("length(btrim(airflow_conn_id)) > 0", name="airflow_conn_id_not_blank"),
        # Onboarding finds a company's id by name, case-insensitively (credentials/management.py).
        sa.Index("ix_servicetitan_credentials_company_name_lower", sa.text("lower(company_name)")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    company_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    environment: Mapped[Environment] = mapped_column(_enum_type(Environment, "environment"), nullable=False)
    tenant_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    airflow_conn_id: Mapped[str] = mapped_column(sa.String(250), nullable=False, unique=True)
    connection_status: Mapped[ConnectionStatus] = mapped_column(
        _enum_type(ConnectionStatus, "connection_status"),
        nullable=False,
        default=ConnectionStatus.PENDING,
        server_default=ConnectionStatus.PENDING.value,
    )
    last_connected_at: Mapped[datetime | None] = _timestamp_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    token_expires_at: Mapped[datetime | None] = _timestamp_column()
    client_secret_expires_at: Mapped[datetime | None] = _timestamp_column()
    is_active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now(), onupdate=sa.func.now()
    )

    sync_logs: Mapped[list[ServiceTitanSyncLog]] = relationship(
        back_populates="credential", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def label(self) -> str:
        """How people name a credential: company, environment and tenant."""
        return f"{self.company_name} ({self.environment}, tenant {self.tenant_id})"

    @validates("environment")
    def _validate_environment(self, key: str, value: Any) -> Environment:
        return Environment(_coerce_enum("ServiceTitanCredential", key, Environment, value))

    @validates("connection_status")
    def _validate_connection_status(self, key: str, value: Any) -> ConnectionStatus:
        return ConnectionStatus(_coerce_enum("ServiceTitanCredential", key, ConnectionStatus, value))

    @validates("tenant_id")
    def _validate_tenant_id(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidFieldValue("ServiceTitanCredential", key, f"must be an integer, got {value!r}")
        if not 0 < value < 2**63:
            raise InvalidFieldValue("ServiceTitanCredential", key, f"must be a positive int64, got {value}")
        return value

    @validates("company_name", "airflow_conn_id")
    def _validate_required_text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidFieldValue("ServiceTitanCredential", key, "must be a non-empty string")
        limit = 255 if key == "company_name" else 250
        if len(value) > limit:
            raise InvalidFieldValue("ServiceTitanCredential", key, f"must be at most {limit} characters")
        return value.strip()

    @validates("last_error")
    def _validate_last_error(self, key: str, value: str | None) -> str | None:
        return None if value is None else _strip_nul(value)

    @validates("company_id")
    def _validate_company_id(self, key: str, value: Any) -> uuid.UUID:
        if isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise InvalidFieldValue("ServiceTitanCredential", key, f"{value!r} is not a UUID") from None


class ServiceTitanSyncLog(Base):
    """One sync attempt of one credential: exactly one row per attempt."""

    __tablename__ = "servicetitan_sync_logs"
    __table_args__ = (
        sa.CheckConstraint("records_processed >= 0", name="records_processed_non_negative"),
        sa.CheckConstraint("records_successful >= 0", name="records_successful_non_negative"),
        sa.CheckConstraint("records_failed >= 0", name="records_failed_non_negative"),
        sa.CheckConstraint(
            "records_successful + records_failed <= records_processed", name="records_outcomes_within_processed"
        ),
        sa.CheckConstraint("(status = 'running') = (completed_at IS NULL)", name="completed_at_iff_finished"),
        sa.CheckConstraint("completed_at IS NULL OR completed_at >= started_at", name="completed_after_started"),
        sa.CheckConstraint(
            "processing_time_seconds IS NULL OR processing_time_seconds >= 0", name="processing_time_non_negative"
        ),
        sa.CheckConstraint(
            "error_details IS NULL OR jsonb_typeof(error_details) = 'object'", name="error_details_is_object"
        ),
        # History of one credential, newest first; also serves the ON DELETE CASCADE lookup.
        sa.Index("ix_servicetitan_sync_logs_credential_started", "credential_id", sa.text("started_at DESC")),
        # Monitoring: failures in the last window, grouped by credential.
        sa.Index(
            "ix_servicetitan_sync_logs_recent_failures",
            "started_at",
            "credential_id",
            postgresql_where=sa.text("status = 'failed'"),
        ),
        # Last successful sync of each credential: the summary's recompute and backfill (0008).
        sa.Index(
            "ix_servicetitan_sync_logs_last_success",
            "credential_id",
            sa.text("completed_at DESC"),
            postgresql_where=sa.text("status = 'completed'"),
        ),
        # Monitoring: rows still running (crashed-worker sweep).
        sa.Index(
            "ix_servicetitan_sync_logs_running",
            "started_at",
            postgresql_where=sa.text("status = 'running'"),
        ),
        # Last failure of each credential, one probe each (0007): the summary's recompute and backfill (0008).
        sa.Index(
            "ix_servicetitan_sync_logs_last_failure",
            "credential_id",
            sa.text("started_at DESC"),
            postgresql_where=sa.text("status = 'failed'"),
        ),
        # Dashboard: the day views filtered by UTC day (0007).
        sa.Index("ix_servicetitan_sync_logs_started_day", sa.text("((started_at AT TIME ZONE 'UTC')::date)")),
        # Digest of the last hours and log retention: time-range scans over all rows.
        sa.Index("ix_servicetitan_sync_logs_started_at", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"),
        nullable=False,
    )
    sync_type: Mapped[SyncType] = mapped_column(_enum_type(SyncType, "sync_type"), nullable=False)
    data_type: Mapped[DataType] = mapped_column(_enum_type(DataType, "data_type"), nullable=False)
    status: Mapped[SyncStatus] = mapped_column(
        _enum_type(SyncStatus, "status"),
        nullable=False,
        default=SyncStatus.RUNNING,
        server_default=SyncStatus.RUNNING.value,
    )
    started_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )
    completed_at: Mapped[datetime | None] = _timestamp_column()
    records_processed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    records_successful: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    records_failed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    error_details: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    processing_time_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    # The Airflow task instance that ran this attempt (0011): its run and map index; NULL outside a DAG run.
    airflow_run_id: Mapped[str | None] = mapped_column(sa.String(250))
    airflow_map_index: Mapped[int | None] = mapped_column(sa.Integer)

    credential: Mapped[ServiceTitanCredential] = relationship(back_populates="sync_logs")

    @validates("sync_type")
    def _validate_sync_type(self, key: str, value: Any) -> SyncType:
        return SyncType(_coerce_enum("ServiceTitanSyncLog", key, SyncType, value))

    @validates("data_type")
    def _validate_data_type(self, key: str, value: Any) -> DataType:
        return DataType(_coerce_enum("ServiceTitanSyncLog", key, DataType, value))

    @validates("status")
    def _validate_status(self, key: str, value: Any) -> SyncStatus:
        return SyncStatus(_coerce_enum("ServiceTitanSyncLog", key, SyncStatus, value))

    @validates("records_processed", "records_successful", "records_failed", "processing_time_seconds")
    def _validate_count(self, key: str, value: Any) -> int | None:
        if value is None and key == "processing_time_seconds":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidFieldValue("ServiceTitanSyncLog", key, f"must be an integer, got {value!r}")
        if not 0 <= value < 2**31:
            raise InvalidFieldValue("ServiceTitanSyncLog", key, f"must be between 0 and 2^31-1, got {value}")
        return value

    @validates("error_message")
    def _validate_error_message(self, key: str, value: str | None) -> str | None:
        return None if value is None else _strip_nul(value)

    @validates("error_details")
    def _validate_error_details(self, key: str, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise InvalidFieldValue(
                "ServiceTitanSyncLog", key, f"must be a JSON object (dict), got {type(value).__name__}"
            )
        try:
            encoded = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidFieldValue("ServiceTitanSyncLog", key, f"is not JSON-serialisable: {exc}") from None
        if "\\u0000" in encoded:
            return json.loads(encoded.replace("\\u0000", "\\ufffd"))  # type: ignore[no-any-return]
        return value

    def check_consistency(self) -> None:
        """Rules across fields; run before every INSERT and UPDATE of a row."""
        processed = self.records_processed or 0
        outcomes = (self.records_successful or 0) + (self.records_failed or 0)
        if outcomes > processed:
            raise InvalidFieldValue(
                "ServiceTitanSyncLog",
                "records_successful",
                f"successful + failed ({outcomes}) cannot exceed records_processed ({processed})",
            )
        finished = self.status is not None and self.status != SyncStatus.RUNNING
        if finished and self.completed_at is None:
            raise InvalidFieldValue("ServiceTitanSyncLog", "completed_at", f"is required when status is {self.status}")
        if not finished and self.completed_at is not None:
            raise InvalidFieldValue("ServiceTitanSyncLog", "completed_at", "must be empty while status is running")
        if self.completed_at is not None and self.started_at is not None and self.completed_at < self.started_at:
            raise InvalidFieldValue("ServiceTitanSyncLog", "completed_at", "cannot be before started_at")


@event.listens_for(ServiceTitanSyncLog, "before_insert")
@event.listens_for(ServiceTitanSyncLog, "before_update")
def _check_sync_log(mapper: Any, connection: Any, target: ServiceTitanSyncLog) -> None:
    target.check_consistency()


class ServiceTitanCredentialSyncSummary(Base):
    """Each credential's latest completed sync (last success: its completed_at) and latest failed sync (last
    failure: its started_at), with their sync-log ids, so monitoring reads one row per credential and never the
    sync log.

    Written only by the triggers on ``servicetitan_sync_logs`` (migration 0008), in the transaction of every
    insert, update, delete and truncate of the log, whoever makes it; Python code only reads it. Log ids are
    not foreign keys: the triggers move them when their row goes, and retention keeps the rows they name.
    """

    __tablename__ = "servicetitan_credential_sync_summary"
    __table_args__ = (
        sa.CheckConstraint("(last_success_at IS NULL) = (last_success_log_id IS NULL)", name="last_success_with_log"),
        sa.CheckConstraint("(last_failure_at IS NULL) = (last_failure_log_id IS NULL)", name="last_failure_with_log"),
    )

    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    last_success_at: Mapped[datetime | None] = _timestamp_column()
    last_success_log_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_failure_at: Mapped[datetime | None] = _timestamp_column()
    last_failure_log_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class ServiceTitanCustomer(Base):
    """A customer as last synced: typed columns for what users query, the record as received in ``raw``."""

    __tablename__ = "servicetitan_customers"
    __table_args__ = (sa.Index("ix_servicetitan_customers_credential_modified", "credential_id", "modified_on"),)

    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(sa.Text)
    customer_type: Mapped[str | None] = mapped_column(sa.String(32))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    balance: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    merged_to_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    city: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str | None] = mapped_column(sa.Text)
    zip: Mapped[str | None] = mapped_column(sa.Text)
    created_on: Mapped[datetime | None] = _timestamp_column()
    modified_on: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    synced_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


class ServiceTitanInvoice(Base):
    """An invoice as last synced. Money is numeric; line items stay in ``raw`` (read with jsonb_array_elements)."""

    __tablename__ = "servicetitan_invoices"
    __table_args__ = (
        sa.Index("ix_servicetitan_invoices_credential_customer", "credential_id", "customer_id"),
        sa.Index("ix_servicetitan_invoices_credential_modified", "credential_id", "modified_on"),
    )

    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    customer_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    reference_number: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    invoice_date: Mapped[datetime | None] = _timestamp_column()
    due_date: Mapped[datetime | None] = _timestamp_column()
    sub_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    sales_tax: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    total: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    balance: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    created_on: Mapped[datetime | None] = _timestamp_column()
    modified_on: Mapped[datetime | None] = _timestamp_column()
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    synced_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


class ServiceTitanSyncCheckpoint(Base):
    """Where the next incremental export of one resource resumes: stored only after its page is committed."""

    __tablename__ = "servicetitan_sync_checkpoints"

    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    continue_from: Mapped[str] = mapped_column(sa.Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


class ServiceTitanAlert(Base):
    """One alert, by its stable key (rule + subject), and its notification state."""

    __tablename__ = "servicetitan_alerts"
    __table_args__ = (
        sa.CheckConstraint("state IN ('firing', 'resolved')", name="state"),
        sa.CheckConstraint("severity IN ('high', 'medium', 'low')", name="severity"),
        sa.CheckConstraint(
            "pending_notification IS NULL OR pending_notification IN ('firing', 'resolved')",
            name="pending_notification",
        ),
        sa.Index(
            "ix_servicetitan_alerts_pending",
            "pending_notification",
            postgresql_where=sa.text("pending_notification IS NOT NULL"),
        ),
    )

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    severity: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    credential_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE")
    )
    state: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    last_sent_at: Mapped[datetime | None] = _timestamp_column()
    resolved_at: Mapped[datetime | None] = _timestamp_column()
    send_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    # What still has to reach Slack: set when the alert fires, repeats or resolves; cleared once sent.
    pending_notification: Mapped[str | None] = mapped_column(sa.String(16))


class ServiceTitanAlertSilence(Base):
    """Mutes alerts whose key matches the glob ``key_prefix`` (e.g. ``stale_sync:*``) until ``expires_at``."""

    __tablename__ = "servicetitan_alert_silences"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    key_prefix: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ServiceTitanMetricSnapshot(Base):
    """A metric value as the metrics collector (or a sync) saw it, kept so the dashboard can chart history."""

    __tablename__ = "servicetitan_metric_snapshots"
    __table_args__ = (sa.Index("ix_servicetitan_metric_snapshots_name_collected", "name", "collected_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    collected_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    value: Mapped[float] = mapped_column(sa.Float, nullable=False)
    tags: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=sa.text("'{}'::jsonb"))


class ServiceTitanLoadedRecord(Base):
    """One row per record a sync loaded: what the data-quality validation of that sync reads.

    Written in the page's own transaction, so it always matches what reached the tables; rows of a
    validated sync are deleted with the validation's result. An id received twice appears twice.
    """

    __tablename__ = "servicetitan_sync_loaded_records"
    __table_args__ = (sa.Index("ix_servicetitan_sync_loaded_records_sync_resource", "sync_log_id", "resource"),)

    # A surrogate key only because the ORM wants one; nothing refers to it.
    row_id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    sync_log_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_sync_logs.id", ondelete="CASCADE"), nullable=False
    )
    resource: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    record_id: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)


class ServiceTitanDataQualityResult(Base):
    """The Great Expectations verdict on what one sync loaded, per data type."""

    __tablename__ = "servicetitan_data_quality_results"
    __table_args__ = (
        sa.UniqueConstraint("sync_log_id", "data_type", name="uq_servicetitan_data_quality_results_sync_data_type"),
        sa.Index("ix_servicetitan_data_quality_results_credential_validated", "credential_id", "validated_at"),
        # Dashboard: the data-quality view filtered by UTC day (0007).
        sa.Index(
            "ix_servicetitan_data_quality_results_validated_day", sa.text("((validated_at AT TIME ZONE 'UTC')::date)")
        ),
        sa.CheckConstraint("valid_records + invalid_records = total_records", name="counts_add_up"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        # A validation of no records has nothing to score (0009): never 100, never 0.
        sa.CheckConstraint("(score IS NULL) = (total_records = 0)", name="score_only_with_records"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    sync_log_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_sync_logs.id", ondelete="CASCADE"), nullable=False
    )
    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), nullable=False
    )
    data_type: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    suite_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    validated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    total_records: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    valid_records: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    invalid_records: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # valid / total x 100; NULL when no record was validated ("nothing to score").
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    # [{expectation, column, description, success, element_count, unexpected_count, unexpected_percent,
    #   sample_ids}] in suite order.
    expectation_results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    # {field: percent of records where the field is filled}
    field_completeness: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    validation_seconds: Mapped[float] = mapped_column(sa.Float, nullable=False)
    # The validation's page inside the data-docs site, relative to the site root; NULL if docs failed.
    data_docs_page: Mapped[str | None] = mapped_column(sa.Text)


class ServiceTitanSyncLogDaily(Base):
    """Finished sync-log rows rolled up per UTC day (of started_at), credential, sync type, data type and status.

    The maintenance DAG adds rows older than the retention age here and deletes them from
    ``servicetitan_sync_logs`` in the same transaction; the dashboard's views read both. Every processing
    time is kept (``processing_seconds``) so that the views' percentiles stay exact after the roll-up.
    """

    __tablename__ = "servicetitan_sync_log_daily"
    __table_args__ = (
        sa.CheckConstraint("sync_type IN ('manual', 'scheduled')", name="sync_type"),
        sa.CheckConstraint("data_type IN ('invoices', 'customers', 'both')", name="data_type"),
        sa.CheckConstraint("status IN ('completed', 'failed')", name="status"),
        sa.CheckConstraint("sync_count > 0", name="sync_count_positive"),
        sa.CheckConstraint("timed_sync_count >= 0 AND timed_sync_count <= sync_count", name="timed_within_syncs"),
        sa.CheckConstraint(
            "records_processed >= 0 AND records_successful >= 0 AND records_failed >= 0",
            name="records_non_negative",
        ),
        sa.CheckConstraint("cardinality(processing_seconds) = timed_sync_count", name="one_time_per_timed_sync"),
        # The ON DELETE CASCADE lookup and a credential's long-range history.
        sa.Index("ix_servicetitan_sync_log_daily_credential_day", "credential_id", "day"),
    )

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    sync_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    data_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    sync_count: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    records_processed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, server_default="0")
    records_successful: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, server_default="0")
    records_failed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, server_default="0")
    # Syncs with a processing time (a finished row may lack one), their total and the longest.
    timed_sync_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, server_default="0")
    total_processing_seconds: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, server_default="0")
    max_processing_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    processing_seconds: Mapped[list[int]] = mapped_column(
        sa.ARRAY(sa.Integer), nullable=False, server_default=sa.text("'{}'::integer[]")
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


class ServiceTitanDataQualityDaily(Base):
    """Data-quality results rolled up per UTC day (of validated_at), credential and data type.

    Results are deleted with their sync log (ON DELETE CASCADE), so the retention keeps here what the
    dashboard's score trend reads: validations, validated records and valid records.
    """

    __tablename__ = "servicetitan_data_quality_daily"
    __table_args__ = (
        sa.CheckConstraint("validations > 0", name="validations_positive"),
        sa.CheckConstraint("valid_records >= 0 AND valid_records <= validated_records", name="valid_within_validated"),
        sa.Index("ix_servicetitan_data_quality_daily_credential_day", "credential_id", "day"),
    )

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    validations: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    validated_records: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    valid_records: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    )


class ServiceTitanNotificationLog(Base):
    """What a notifier last sent, by its name (Alertmanager's notification log): the 6-hour digest is not sent
    again while it would say the same thing. Kept here, beside the alerts, so that it is written from a task,
    the command line and the demo alike (0012)."""

    __tablename__ = "servicetitan_notification_log"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


RESOURCE_CHECK = "resource IN ('customers', 'invoices')"


class ServiceTitanSyncVolume(Base):
    """What one sync received of one resource (0013): records new, changed and unchanged, and the newest
    ``modifiedOn`` among them. Each page adds its counts in its own transaction; the resource's successful end
    sets ``completed_at`` and ``freshness_lag_seconds``, and only completed rows make a baseline (a failed
    sync's partial counts are not a tenant's normal volume). ``started_at`` is the sync's, so that the
    baseline's hour of day and day of week are read from this table alone."""

    __tablename__ = "servicetitan_sync_volumes"
    __table_args__ = (
        sa.CheckConstraint(RESOURCE_CHECK, name="resource"),
        sa.CheckConstraint(
            "records_new >= 0 AND records_changed >= 0 AND records_unchanged >= 0", name="counts_non_negative"
        ),
        sa.CheckConstraint("freshness_lag_seconds IS NULL OR completed_at IS NOT NULL", name="lag_when_completed"),
        # A tenant's history per resource, newest first: the baselines read a bounded window of it.
        sa.Index("ix_servicetitan_sync_volumes_credential_resource_started", "credential_id", "resource", "started_at"),
        # The syncs of a recent window, whatever the tenant: what a monitor run judges.
        sa.Index("ix_servicetitan_sync_volumes_started", "started_at"),
    )

    sync_log_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_sync_logs.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), nullable=False
    )
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    records_new: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    records_changed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    records_unchanged: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")
    newest_modified_on: Mapped[datetime | None] = _timestamp_column()
    completed_at: Mapped[datetime | None] = _timestamp_column()
    # At completed_at: how old the newest modifiedOn ever loaded for this credential and resource was.
    freshness_lag_seconds: Mapped[float | None] = mapped_column(sa.Float)


class ServiceTitanResourceProfile(Base):
    """Per credential and resource (0013): how many raw records were profiled for schema drift, when, and the
    newest ``modifiedOn`` ever loaded (freshness)."""

    __tablename__ = "servicetitan_resource_profiles"
    __table_args__ = (sa.CheckConstraint(RESOURCE_CHECK, name="resource"),)

    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    records_profiled: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0, server_default="0")
    first_profiled_at: Mapped[datetime | None] = _timestamp_column()
    last_profiled_at: Mapped[datetime | None] = _timestamp_column()
    last_profiled_sync_log_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    newest_modified_on: Mapped[datetime | None] = _timestamp_column()


class ServiceTitanSourceField(Base):
    """One JSON type seen for one field of a resource's raw records, per credential (0013, schema drift).
    ``field`` is a path: top-level keys, nested objects' keys after a dot, array elements' keys after ``[]``
    (``items[].skuId``). A field's share of nulls is its ``null`` row's occurrences over all its rows'; records
    profiled since it was last seen are the profile's ``records_profiled`` minus ``records_profiled_at_last_seen``.
    Sync-log ids are references only (no foreign key): retention deletes old sync logs, the schema's history
    stays."""

    __tablename__ = "servicetitan_source_fields"
    __table_args__ = (
        sa.CheckConstraint(RESOURCE_CHECK, name="resource"),
        sa.CheckConstraint("json_type IN ('string', 'number', 'boolean', 'object', 'array', 'null')", name="json_type"),
        sa.CheckConstraint("occurrences > 0", name="occurrences_positive"),
    )

    credential_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("servicetitan_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    field: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    json_type: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    first_seen_sync_log_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_seen_sync_log_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    occurrences: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    records_profiled_at_last_seen: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
