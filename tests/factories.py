"""Small builders of valid rows, so each test states only what it is about."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from servicetitan_pipeline.db.models import (
    ServiceTitanAlert,
    ServiceTitanCredential,
    ServiceTitanDataQualityResult,
    ServiceTitanSyncLog,
)

_tenant_ids = itertools.count(900_001)


def make_credential(**overrides: Any) -> ServiceTitanCredential:
    tenant_id = overrides.pop("tenant_id", next(_tenant_ids))
    values: dict[str, Any] = {
        "company_id": uuid.uuid4(),
        "company_name": "Acme Plumbing",
        "environment": "integration",
        "tenant_id": tenant_id,
        "airflow_conn_id": f"servicetitan_integration_{tenant_id}",
    }
    values.update(overrides)
    return ServiceTitanCredential(**values)


def make_alert(credential: ServiceTitanCredential, key: str, **overrides: Any) -> ServiceTitanAlert:
    """A firing alert of ``key`` (``rule:subject``) for ``credential``, seen at the factories' fixed time."""
    seen = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    values: dict[str, Any] = {
        "key": key,
        "rule": key.split(":")[0],
        "severity": "medium",
        "credential_id": credential.id,
        "state": "firing",
        "summary": key,
        "first_seen_at": seen,
        "last_seen_at": seen,
    }
    values.update(overrides)
    return ServiceTitanAlert(**values)


def make_sync_log(credential: ServiceTitanCredential, **overrides: Any) -> ServiceTitanSyncLog:
    started = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    values: dict[str, Any] = {
        "credential": credential,
        "sync_type": "scheduled",
        "data_type": "invoices",
        "status": "completed",
        "started_at": started,
        "completed_at": started + timedelta(seconds=42),
        "records_processed": 10,
        "records_successful": 9,
        "records_failed": 1,
        "processing_time_seconds": 42,
    }
    values.update(overrides)
    return ServiceTitanSyncLog(**values)


def make_expectation_result(column: str, unexpected_count: int = 0, **overrides: Any) -> dict[str, Any]:
    """One entry of ``expectation_results``: a not-null expectation on ``column`` over 100 records."""
    values: dict[str, Any] = {
        "expectation": "expect_column_values_to_not_be_null",
        "column": column,
        "description": f"{column} is filled",
        "success": unexpected_count == 0,
        "element_count": 100,
        "unexpected_count": unexpected_count,
        "unexpected_percent": float(unexpected_count),
        "sample_ids": list(range(1, min(unexpected_count, 3) + 1)),
    }
    values.update(overrides)
    return values


def make_data_quality_result(sync_log: ServiceTitanSyncLog, **overrides: Any) -> ServiceTitanDataQualityResult:
    """A validation of what ``sync_log`` loaded. The model has no relationship to the sync log: flush the log
    (and its credential) first, so that their ids exist and are inserted before this row."""
    if sync_log.id is None:
        raise ValueError("flush the sync log before making its data-quality result")
    total = overrides.pop("total_records", 100)
    invalid = overrides.pop("invalid_records", 2)
    data_type = overrides.pop("data_type", "customers" if sync_log.data_type == "both" else str(sync_log.data_type))
    values: dict[str, Any] = {
        "sync_log_id": sync_log.id,
        "credential_id": sync_log.credential_id,
        "data_type": data_type,
        "suite_name": f"servicetitan_{data_type}",
        "validated_at": (sync_log.completed_at or sync_log.started_at) + timedelta(seconds=5),
        "total_records": total,
        "valid_records": total - invalid,
        "invalid_records": invalid,
        "score": round(100 * (total - invalid) / total, 2) if total else None,  # no records: nothing to score
        "expectation_results": [make_expectation_result("name", invalid)],
        "field_completeness": {"name": 100.0},
        "validation_seconds": 1.5,
        "data_docs_page": f"validations/servicetitan_{data_type}/run/20261118T100000Z/abc.html",
    }
    values.update(overrides)
    return ServiceTitanDataQualityResult(**values)
