"""The sandbox's configuration: tenants, their credentials, data sizes and fault profiles.

Loaded from YAML (``servicetitan sandbox --config FILE``) or built in code by tests. Secrets are
``SecretStr`` so that no repr, log line or error message ever shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from servicetitan_sandbox.hostile_records import HostileKind, MalformedPage
from servicetitan_sandbox.quality_faults import QUALITY_KIND_NAMES, QualityKind

# ServiceTitan's documented limits and lifetimes (see the reference): tokens live 15 minutes, 60 calls
# per second per tenant, pages of at most 5000 records.
DEFAULT_TOKEN_LIFETIME_SECONDS = 900
DEFAULT_RATE_LIMIT_PER_SECOND = 60
MAX_PAGE_SIZE = 5000
# The export page size is not documented in the OpenAPI documents; 500 keeps pages light.
DEFAULT_EXPORT_PAGE_SIZE = 500
# Fixed, so that the same seed gives the same data on every machine and every day.
DEFAULT_HISTORY_END = datetime(2026, 11, 1, tzinfo=UTC)
DEFAULT_HISTORY_DAYS = 730
# In the patterns of generated tenants, replaced by each tenant's id.
TENANT_ID_PLACEHOLDER = "{tenant_id}"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` names each field and what is wrong with it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    # Unknown keys are typos until proven otherwise: refuse them rather than silently ignore them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaultProfile(_Strict):
    """How a tenant misbehaves. Random choices are seeded by the tenant's seed, so a run can be replayed."""

    error_rate: float = Field(default=0.0, ge=0, le=1, description="fraction of API calls answered 500 or 503")
    latency_ms: int = Field(default=0, ge=0, description="added to every API call")
    timeout_rate: float = Field(default=0.0, ge=0, le=1, description="fraction of API calls that hang first")
    timeout_seconds: float = Field(
        default=100.0, gt=0, description="how long such a call hangs (as long as ServiceTitan's own limit)"
    )
    drop_rate: float = Field(default=0.0, ge=0, le=1, description="fraction of API calls cut mid-body")
    bad_record_rate: float = Field(default=0.0, ge=0, le=1, description="fraction of records that break the schema")
    quality_fault_rate: float = Field(
        default=0.0, ge=0, le=1, description="fraction of the other records served with a data-quality fault"
    )
    quality_fault_kinds: tuple[QualityKind, ...] = Field(
        default=tuple(QualityKind),
        min_length=1,
        description="the data-quality faults to serve (default: all); each applies to customers, invoices or both",
    )
    hostile_record: HostileKind | None = Field(
        default=None, description="the first customer and invoice served with this payload, on export pages"
    )
    malformed_page: MalformedPage | None = Field(
        default=None, description="every export page answered 200 with this body that is not a JSON page"
    )
    invalid_credentials: bool = Field(default=False, description="the token endpoint refuses this tenant's client")
    revoked_app_key: bool = Field(default=False, description="API calls answer 403: the app key was revoked")
    retry_after_header: bool = Field(
        default=True, description="429 answers carry Retry-After (the title always says the wait)"
    )

    @field_validator("quality_fault_kinds", mode="before")
    @classmethod
    def _known_quality_kinds(cls, value: Any) -> Any:
        # Checked here so that the error lists every valid name, whichever collection it applies to.
        if isinstance(value, list | tuple):
            unknown = [repr(name) for name in value if not isinstance(name, str) or name not in QUALITY_KIND_NAMES]
            if unknown:
                raise ValueError(
                    f"unknown quality fault kind {', '.join(unknown)}; valid kinds: {', '.join(QUALITY_KIND_NAMES)}"
                )
            return tuple(dict.fromkeys(value))  # repeated names mean nothing more
        return value

    @model_validator(mode="after")
    def _call_faults_fit_in_one_draw(self) -> FaultProfile:
        # One draw per call picks at most one of these faults, so together they cannot exceed 1.
        if self.error_rate + self.timeout_rate + self.drop_rate > 1:
            raise ValueError("error_rate + timeout_rate + drop_rate must not exceed 1")
        return self


class HourlyActivity(_Strict):
    """A tenant's steady business, applied hour by hour (``advance`` with ``until``): records new and changed per
    hour on average, shaped by the hour of day and the day of week (``activity.py``), with seeded noise."""

    new_customers: float = Field(default=2.0, ge=0, description="per hour, on average over a week")
    modified_customers: float = Field(default=3.0, ge=0)
    new_invoices: float = Field(default=6.0, ge=0)
    modified_invoices: float = Field(default=8.0, ge=0)
    noise: float = Field(default=0.15, ge=0, lt=1, description="each hour's count is off by up to this share")


ScenarioKind = Literal["volume", "stale", "field_added", "field_removed", "field_retyped"]
SCENARIO_KINDS: tuple[str, ...] = ("volume", "stale", "field_added", "field_removed", "field_retyped")


class Scenario(_Strict):
    """Something that goes wrong from a given moment (``from``), for one resource, until ``until`` if given:
    ``volume`` multiplies the activity by ``factor`` (0.1 a drop, 5 a spike); ``stale``: the records stop
    changing (no new or changed ones); ``field_added`` / ``field_removed`` / ``field_retyped``: ``field`` (a
    top-level key) appears in, disappears from, or changes JSON type in every record version stamped from then
    on. The drift kinds are the sandbox's one deliberate departure from the published schema."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: ScenarioKind
    resource: Literal["customers", "invoices"]
    start: datetime = Field(alias="from")
    until: datetime | None = None
    factor: float | None = Field(default=None, ge=0, description="volume only")
    field: str | None = Field(default=None, min_length=1, description="field_* only: a top-level key")

    @field_validator("start", "until")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Scenario:
        if (self.kind == "volume") != (self.factor is not None):
            raise ValueError("factor is required for a volume scenario, and only for it")
        if self.kind.startswith("field_") != (self.field is not None):
            raise ValueError("field is required for field_added, field_removed and field_retyped, and only for them")
        if self.until is not None and self.until <= self.start:
            raise ValueError("until must be after from")
        return self


class TenantConfig(_Strict):
    tenant_id: int = Field(gt=0, lt=2**63)
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    app_key: SecretStr
    seed: int | None = Field(default=None, description="default: the tenant id")
    customers: int = Field(default=200, ge=0)
    invoices: int = Field(default=1000, ge=0)
    history_days: int = Field(default=DEFAULT_HISTORY_DAYS, gt=0, description="the initial data spans this many days")
    history_end: datetime = Field(default=DEFAULT_HISTORY_END, description="... ending at this moment (UTC)")
    rate_limit_per_second: int | None = Field(default=None, gt=0, description="default: the top-level value")
    faults: FaultProfile = Field(default_factory=lambda: FaultProfile())
    activity: HourlyActivity = Field(
        default_factory=lambda: HourlyActivity(), description="what `advance` with `until` applies, hour by hour"
    )
    scenarios: tuple[Scenario, ...] = Field(default=(), description="anomalies from given moments (more at run time)")

    @field_validator("client_secret", "app_key")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        return value

    @field_validator("history_end")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _invoices_need_customers(self) -> TenantConfig:
        if self.invoices and not self.customers:
            raise ValueError("invoices reference customers: customers must be at least 1 when invoices > 0")
        return self

    @property
    def data_seed(self) -> int:
        return self.tenant_id if self.seed is None else self.seed


class GeneratedTenants(_Strict):
    """Many alike tenants declared once (benchmarks): ids ``first_tenant_id`` onwards, credentials made
    from each id by a pattern. Each tenant is built when it is first asked for, so a config of thousands
    loads in milliseconds and holds no per-tenant object until a tenant is used."""

    count: int = Field(gt=0, le=10_000_000)
    first_tenant_id: int = Field(gt=0, lt=2**63)
    client_id: str = Field(
        default=f"generated-{TENANT_ID_PLACEHOLDER}",
        description=f"pattern; must hold {TENANT_ID_PLACEHOLDER} (client ids are unique)",
    )
    client_secret: SecretStr = Field(
        default=SecretStr(f"generated-secret-{TENANT_ID_PLACEHOLDER}"), description="pattern"
    )
    app_key: SecretStr = Field(default=SecretStr("generated-app-key"), description="pattern")
    customers: int = Field(default=100, ge=0)
    invoices: int = Field(default=100, ge=0)
    history_days: int = Field(default=DEFAULT_HISTORY_DAYS, gt=0)
    history_end: datetime = Field(default=DEFAULT_HISTORY_END)
    rate_limit_per_second: int | None = Field(default=None, gt=0, description="default: the top-level value")
    faults: FaultProfile = Field(default_factory=lambda: FaultProfile())

    @field_validator("client_id")
    @classmethod
    def _one_placeholder(cls, value: str) -> str:
        # Exactly one, so that a client id maps back to its tenant id without any index (see tenant_id_of).
        if value.count(TENANT_ID_PLACEHOLDER) != 1:
            raise ValueError(f"must hold {TENANT_ID_PLACEHOLDER} exactly once, so that client ids are unique")
        return value

    @field_validator("client_secret", "app_key")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _fits(self) -> GeneratedTenants:
        if self.first_tenant_id + self.count > 2**63:
            raise ValueError("first_tenant_id + count must stay below 2**63")
        # Checked once here rather than on each tenant when it is built.
        self.tenant(self.first_tenant_id)
        return self

    @property
    def ids(self) -> range:
        return range(self.first_tenant_id, self.first_tenant_id + self.count)

    def client_id_of(self, tenant_id: int) -> str:
        return self.client_id.replace(TENANT_ID_PLACEHOLDER, str(tenant_id))

    def tenant_id_of(self, client_id: str) -> int | None:
        """The generated tenant whose client id this is, by parsing the pattern (no scan, no index)."""
        prefix, _, suffix = self.client_id.partition(TENANT_ID_PLACEHOLDER)
        if len(client_id) <= len(prefix) + len(suffix) or not client_id.startswith(prefix):
            return None
        if not client_id.endswith(suffix):
            return None
        digits = client_id[len(prefix) : len(client_id) - len(suffix)]
        if not (digits.isascii() and digits.isdigit()) or str(int(digits)) != digits:
            return None
        tenant_id = int(digits)
        return tenant_id if tenant_id in self.ids else None

    def tenant(self, tenant_id: int) -> TenantConfig:
        def fill(pattern: SecretStr) -> SecretStr:
            return SecretStr(pattern.get_secret_value().replace(TENANT_ID_PLACEHOLDER, str(tenant_id)))

        return TenantConfig(
            tenant_id=tenant_id,
            client_id=self.client_id_of(tenant_id),
            client_secret=fill(self.client_secret),
            app_key=fill(self.app_key),
            customers=self.customers,
            invoices=self.invoices,
            history_days=self.history_days,
            history_end=self.history_end,
            rate_limit_per_second=self.rate_limit_per_second,
            faults=self.faults,
        )


class SandboxConfig(_Strict):
    token_lifetime_seconds: int = Field(default=DEFAULT_TOKEN_LIFETIME_SECONDS, gt=0)
    rate_limit_per_second: int = Field(default=DEFAULT_RATE_LIMIT_PER_SECOND, gt=0)
    export_page_size: int = Field(default=DEFAULT_EXPORT_PAGE_SIZE, gt=0, le=MAX_PAGE_SIZE)
    # Benchmarks: rendered export pages kept in memory (see page_cache.py); 0 = off.
    page_cache_mb: int = Field(default=0, ge=0)
    tenants: list[TenantConfig] = Field(default_factory=list, description="listed one by one")
    generated_tenants: GeneratedTenants | None = Field(default=None, description="and/or generated")
    # Lookups by tenant id and by client id: each request finds its tenant without a scan.
    _by_id: dict[int, TenantConfig] = PrivateAttr(default_factory=dict)
    _by_client: dict[str, TenantConfig] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_tenants_and_clients(self) -> SandboxConfig:
        if not self.tenants and self.generated_tenants is None:
            raise ValueError("give at least one tenant: a 'tenants' list, 'generated_tenants', or both")
        for attribute in ("tenant_id", "client_id"):
            counts: dict[Any, int] = {}
            for tenant in self.tenants:
                value = getattr(tenant, attribute)
                counts[value] = counts.get(value, 0) + 1
            duplicates = sorted(str(v) for v, n in counts.items() if n > 1)
            if duplicates:
                raise ValueError(f"{attribute} must be unique across tenants; repeated: {', '.join(duplicates)}")
        generated = self.generated_tenants
        if generated is not None:
            clashes = sorted(
                str(t.tenant_id)
                for t in self.tenants
                if t.tenant_id in generated.ids or generated.tenant_id_of(t.client_id) is not None
            )
            if clashes:
                raise ValueError(
                    f"tenants {', '.join(clashes)} clash with generated_tenants (same tenant id or client id)"
                )
        self._by_id = {tenant.tenant_id: tenant for tenant in self.tenants}
        self._by_client = {tenant.client_id: tenant for tenant in self.tenants}
        return self

    @property
    def tenant_count(self) -> int:
        return len(self.tenants) + (self.generated_tenants.count if self.generated_tenants else 0)

    def tenant_ids(self) -> Iterator[int]:
        """Every tenant's id: those listed, then the generated ones."""
        yield from self._by_id
        if self.generated_tenants is not None:
            yield from self.generated_tenants.ids

    def tenant(self, tenant_id: int) -> TenantConfig | None:
        listed = self._by_id.get(tenant_id)
        if listed is not None:
            return listed
        generated = self.generated_tenants
        return generated.tenant(tenant_id) if generated is not None and tenant_id in generated.ids else None

    def tenant_for_client(self, client_id: str) -> TenantConfig | None:
        listed = self._by_client.get(client_id)
        if listed is not None or self.generated_tenants is None:
            return listed
        tenant_id = self.generated_tenants.tenant_id_of(client_id)
        return None if tenant_id is None else self.generated_tenants.tenant(tenant_id)

    def rate_limit_for(self, tenant: TenantConfig) -> int:
        return tenant.rate_limit_per_second or self.rate_limit_per_second


def default_config() -> SandboxConfig:
    """What the sandbox serves without --config: one healthy tenant, the first one of sandbox.example.yaml."""
    return SandboxConfig(
        tenants=[
            TenantConfig(
                tenant_id=1001,
                client_id="demo-acme-client",
                client_secret=SecretStr("demo-acme-secret"),
                app_key=SecretStr("demo-app-key"),
            )
        ]
    )


def parse_config(raw: Any, source: str = "sandbox config") -> SandboxConfig:
    """Validate an already-parsed mapping; problems are reported as ``<source>: <field path>: <why>``."""
    if not isinstance(raw, dict):
        raise ConfigError(
            [f"{source}: expected a mapping with a 'tenants' list or 'generated_tenants', got {type(raw).__name__}"]
        )
    try:
        return SandboxConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            [f"{source}: {_field_path(error['loc'])}: {error['msg']}" for error in exc.errors()]
        ) from None


def load_config(path: Path) -> SandboxConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError([f"{path}: not valid YAML{where}"]) from None
    return parse_config(raw, source=str(path))


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"
