"""Which tenant a log line is about, when many tenants sync in one process.

The batch sets ``current_tenant`` in each tenant's thread; ``TenantLabelFilter`` starts every line of the
loggers it is installed on with that tenant's label, unless the line already does (the sync's own lines
do; the API client's name only the tenant id and connection).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

current_tenant: ContextVar[str | None] = ContextVar("current_tenant", default=None)


class TenantLabelFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        label = current_tenant.get()
        if label and isinstance(record.msg, str) and not record.getMessage().startswith(label):
            record.msg = f"{label.replace('%', '%%')}: {record.msg}"
        return True


def label_tenant_lines(*logger_names: str) -> None:
    """Install the filter on these loggers, once (a filter applies to its own logger's lines only)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, TenantLabelFilter) for existing in logger.filters):
            logger.addFilter(TenantLabelFilter())
