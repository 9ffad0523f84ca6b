"""Small builders of valid rows, so each test states only what it is about."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanSyncLog

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
