"""Alert conditions: what is wrong now, each with a stable key (rule, environment, tenant)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

HIGH, MEDIUM, LOW = "high", "medium", "low"


@dataclass(frozen=True)
class Condition:
    rule: str
    severity: str
    credential_id: uuid.UUID | None
    subject: str  # environment:tenant_id, or a global subject
    company: str
    environment: str
    summary: str
    action: str  # one line on what to do
    numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"


def alert_key(rule: str, environment: str, tenant_id: int) -> str:
    return f"{rule}:{environment}:{tenant_id}"
