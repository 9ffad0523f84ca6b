"""Alert conditions: what is wrong now, each with a stable key (rule, environment, tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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
    title: str = ""  # what the message calls it, when the rule's name would mislead (see rules.api_connectivity)
    resource: str = ""  # the data type a per-resource rule (the anomaly rules) judged; "" for a tenant's

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"


def alert_key(rule: str, environment: str, tenant_id: int) -> str:
    return f"{rule}:{environment}:{tenant_id}"


@dataclass(frozen=True)
class Evaluation:
    """One rule's run: the conditions it found, and the subjects it judged (its coverage). An alert resolves
    only on evidence, i.e. when its subject was judged and not found; a subject not judged (outside a sample
    or a time window) keeps its alert's state."""

    conditions: list[Condition]
    judged: frozenset[str] | None  # None: every subject the rule can alert on

    @classmethod
    def of_every_subject(cls, conditions: list[Condition]) -> Evaluation:
        """The rule read every subject it alerts on: whatever it did not find has cleared."""
        return cls(conditions, None)

    @classmethod
    def of_subjects(cls, conditions: list[Condition], judged: Iterable[str]) -> Evaluation:
        """The rule judged only ``judged`` (those it found among them)."""
        return cls(conditions, frozenset(judged) | {condition.subject for condition in conditions})

    def covers(self, subject: str) -> bool:
        return self.judged is None or subject in self.judged
