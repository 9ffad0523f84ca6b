"""The ServiceTitan API client: one credential, page by page, with rate limiting, retries and a
circuit breaker per tenant. Pagination, auth and cursors are separate objects; the fetch loop
here knows none of their details."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from servicetitan_pipeline.servicetitan.auth import AccessToken, token_provider_for
from servicetitan_pipeline.servicetitan.circuit_breaker import breaker_for_tenant
from servicetitan_pipeline.servicetitan.cursors import ExportCursor, ModifiedSinceCursor
from servicetitan_pipeline.servicetitan.errors import (
    BadCredentialsError,
    CircuitOpenError,
    FatalRequestError,
    MissingPermissionError,
    RateLimitedError,
    ServiceTitanError,
    TransientError,
)
from servicetitan_pipeline.servicetitan.hosts import ServiceTitanHosts
from servicetitan_pipeline.servicetitan.pages import PageNotJSON, PageNotObject, PageParts, preview, split_page
from servicetitan_pipeline.servicetitan.paginators import DEFAULT_MAX_PAGES
from servicetitan_pipeline.servicetitan.rate_limiter import limiter_for_tenant
from servicetitan_pipeline.servicetitan.records import BadRecord, Record
from servicetitan_pipeline.servicetitan.resources import Resource
from servicetitan_pipeline.servicetitan.retry import RetryPolicy

Cursor = ExportCursor | ModifiedSinceCursor
log = logging.getLogger("servicetitan_pipeline.servicetitan")
_WAIT_IN_TITLE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Credentials:
    tenant_id: int
    environment: str
    client_id: str
    client_secret: str = field(repr=False)
    app_key: str = field(repr=False)
    base_url: str | None = None
    # Where the secrets came from (an Airflow connection id): named in error messages.
    source: str | None = None

    @property
    def label(self) -> str:
        where = f", connection {self.source!r}" if self.source else ""
        return f"tenant {self.tenant_id} ({self.environment}{where})"


@dataclass(frozen=True)
class ClientSettings:
    rate_limit_per_second: int = 60
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # ServiceTitan may take up to 100 s to answer a large page.
    read_timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 10.0
    breaker_failure_threshold: int = 5
    breaker_reset_seconds: float = 30.0
    max_pages: int = DEFAULT_MAX_PAGES


def new_http_client(settings: ClientSettings) -> httpx.Client:
    """An HTTP client with nothing of any tenant's in it: credentials go on each request, and cookies are
    refused, so one client can serve every tenant."""
    return httpx.Client(
        timeout=httpx.Timeout(settings.read_timeout_seconds, connect=settings.connect_timeout_seconds),
        headers={"Accept": "application/json"},
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        # Enough kept-alive connections per host for every tenant syncing at once (and its prefetch).
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=64),
    )


_shared_http: dict[tuple[float, float], httpx.Client] = {}
_shared_http_lock = threading.Lock()


def shared_http_client(settings: ClientSettings) -> httpx.Client:
    """The process's HTTP client for these timeouts, shared by every tenant's client (httpx clients may be
    shared between threads): its connections are pooled per host, so tenants on the same API host reuse
    them instead of each opening its own and leaving it behind."""
    key = (settings.read_timeout_seconds, settings.connect_timeout_seconds)
    with _shared_http_lock:
        http = _shared_http.get(key)
        if http is None or http.is_closed:
            http = _shared_http[key] = new_http_client(settings)
        return http


@dataclass(frozen=True)
class CallReport:
    """One HTTP call, for metrics and logs: never a header, parameter value or body."""

    endpoint: str
    method: str
    status: int | None
    duration_seconds: float
    attempt: int
    error: str | None
    opened_circuit: bool = False  # this call's failure opened the tenant's circuit breaker


@dataclass
class Page:
    resource: Resource
    number: int
    records: list[Record]
    bad_records: list[BadRecord]
    has_more: bool
    # Where to resume after this page once its rows are committed (export endpoints).
    checkpoint: str | None

    @property
    def size(self) -> int:
        return len(self.records) + len(self.bad_records)


class ServiceTitanClient:
    def __init__(
        self,
        credentials: Credentials,
        settings: ClientSettings | None = None,
        *,
        on_call: Callable[[CallReport], None] | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.settings = settings or ClientSettings()
        self.hosts = ServiceTitanHosts.for_environment(credentials.environment, credentials.base_url)
        self._on_call = on_call
        self._sleep = sleep
        self._owns_http = http is None
        self._http = http or new_http_client(self.settings)
        self._tokens = token_provider_for(
            self.hosts.token_url, credentials.client_id, credentials.client_secret, label=credentials.label
        )
        self._limiter = limiter_for_tenant(
            credentials.environment, credentials.tenant_id, self.settings.rate_limit_per_second
        )
        self._breaker = breaker_for_tenant(
            credentials.environment,
            credentials.tenant_id,
            self.settings.breaker_failure_threshold,
            self.settings.breaker_reset_seconds,
        )

    def __enter__(self) -> ServiceTitanClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:  # a shared client outlives this tenant's
            self._http.close()

    @property
    def token(self) -> AccessToken | None:
        """The cached access token (for ``token_expires_at``), if one was fetched."""
        return self._tokens.current

    def authenticate(self) -> AccessToken:
        """Fetch (or reuse) an access token: checks the client id and secret."""
        return self._tokens.token(self._http)

    def export(self, resource: Resource, cursor: ExportCursor | None = None) -> Iterator[Page]:
        """Bulk or incremental read through the export endpoint, resumable from a stored token."""
        return self.read(resource, cursor or ExportCursor())

    def list(self, resource: Resource, cursor: ModifiedSinceCursor | None = None) -> Iterator[Page]:
        """A bounded query through the list endpoint: active and inactive records, page by page."""
        return self.read(resource, cursor or ModifiedSinceCursor())

    def read(self, resource: Resource, cursor: Cursor) -> Iterator[Page]:
        export = isinstance(cursor, ExportCursor)
        url = resource.url(self.hosts.api_url, self.credentials.tenant_id, export=export)
        endpoint = resource.path_template(export=export)
        fixed = dict(cursor.filters())
        if not export:
            key, value = resource.list_all_records
            fixed[key] = value
        paginator = cursor.paginator(self.settings.max_pages)
        params: dict[str, str] | None = paginator.first_params()
        number = 0
        while params is not None:
            parts = self._get(url, endpoint, {**fixed, **params})
            number += 1
            # Everything but the records is small: decoded as it is, for the paginator and the cursor.
            body: dict[str, Any] = parts.fields
            data = parts.records
            if data is None:
                raise FatalRequestError(
                    f"{self.credentials.label}: {endpoint} answered without a data list", endpoint=endpoint
                )
            body["data"] = data
            records, bad = resource.record_model.split(resource.name, resource.primary_key, data)
            params = paginator.next_params(body)
            yield Page(
                resource=resource,
                number=number,
                records=records,
                bad_records=bad,
                has_more=params is not None,
                checkpoint=cursor.checkpoint(body),
            )

    def _get(self, url: str, endpoint: str, params: dict[str, str]) -> PageParts:
        """The page's top-level values and its records, undecoded; retried as the error says."""
        attempt = 0
        renewed_after_401 = False
        while True:
            attempt += 1
            if not self._breaker.allow():
                raise CircuitOpenError(
                    f"{self.credentials.label}: too many recent failures; calls paused for "
                    f"{self._breaker.seconds_until_probe():.0f} s before a probe. The next task retry will probe",
                    endpoint=endpoint,
                )
            self._limiter.acquire()
            started = time.perf_counter()
            status: int | None = None
            body: PageParts | None = None
            error: ServiceTitanError | None = None
            what = ""  # the failure in a few words, for the retry log line
            try:
                token = self._tokens.token(self._http)
                headers = {"Authorization": f"Bearer {token.value}", "ST-App-Key": self.credentials.app_key}
                # Streamed, so the page's bytes are not kept on the Response: httpx responses sit in a
                # reference cycle, and a kept body would live until the next full garbage collection.
                with self._http.stream("GET", url, params=params, headers=headers) as response:
                    status = response.status_code
                    if status == 200:
                        content = b"".join(response.iter_bytes())
                        body = split_page(content)
                    else:
                        response.read()
                        error = self._classify(response, endpoint)
                        what = f"HTTP {status}"
            except httpx.TimeoutException:
                error = TransientError(f"{self.credentials.label}: {endpoint} timed out", endpoint=endpoint)
                what = "timed out"
            except httpx.TransportError as exc:
                what = "could not connect" if isinstance(exc, httpx.ConnectError) else "connection dropped"
                what += f" ({type(exc).__name__})"
                error = TransientError(
                    f"{self.credentials.label}: {endpoint}: connection failed ({type(exc).__name__})",
                    endpoint=endpoint,
                )
            except PageNotObject:
                error = FatalRequestError(
                    f"{self.credentials.label}: {endpoint} answered JSON that is not an object",
                    status=status,
                    endpoint=endpoint,
                )
            except PageNotJSON as exc:
                error = self._not_a_page(endpoint, status, content, exc)
                what = f"HTTP {status} with a body that is not a JSON page ({exc})"
            except ServiceTitanError as exc:  # from the token request
                error = exc
                what = f"the token request failed{f' (HTTP {exc.status})' if exc.status else ''}"
            opened_circuit = isinstance(error, TransientError) and self._breaker.record_failure()
            self._report(endpoint, status, started, attempt, error, opened_circuit)

            if error is None and body is not None:
                self._breaker.record_success()
                return body
            assert error is not None
            where = f"{self.credentials.label}: GET {endpoint}"
            if status == 401 and not renewed_after_401:
                # The token may have expired early or been revoked: renew once, then believe the 401.
                log.info("%s: HTTP 401; renewing the access token and trying once more", where)
                self._tokens.invalidate()
                renewed_after_401 = True
                attempt -= 1
                continue
            if not error.retriable:
                raise error  # its message says what to do; no retry to report
            retry_after = error.retry_after if isinstance(error, RateLimitedError) else None
            if retry_after is not None:
                what += f", Retry-After {retry_after:g} s"
            policy = self.settings.retry
            tried = f"{where}: {what} (attempt {attempt} of {policy.max_attempts})"
            if policy.should_retry(attempt, retry_after):
                wait = policy.delay(attempt, retry_after)
                log.warning("%s; retrying in %.2f s", tried, wait)
                self._sleep(wait)
                continue
            if attempt >= policy.max_attempts:
                log.error("%s; giving up: no attempts left", tried)
            else:
                log.error("%s; giving up: a wait over %g s is left to the task's retry", tried, policy.max_retry_after)
            raise error

    def _not_a_page(self, endpoint: str, status: int | None, content: bytes, problem: PageNotJSON) -> TransientError:
        # Retriable: a proxy's error page or a body cut short is usually gone on the next try.
        secrets = (self.credentials.client_secret, self.credentials.app_key)
        token = self._tokens.current
        start = preview(content, secrets + ((token.value,) if token else ()))
        return TransientError(
            f"{self.credentials.label}: GET {httpx.URL(self.hosts.api_url).host}{endpoint} answered {status} with a "
            f"body that is not a JSON page ({problem}; {len(content):,} bytes, starting: {start}). Retried as a "
            "passing fault; if it persists, check the credential's base URL (a proxy or outage page answering "
            "instead of ServiceTitan?) and ServiceTitan's status",
            status=status,
            endpoint=endpoint,
        )

    def _classify(self, response: httpx.Response, endpoint: str) -> ServiceTitanError:
        status = response.status_code
        body = _error_body(response)
        title = str(body.get("title") or response.reason_phrase or "")
        trace_id = str(body["traceId"]) if body.get("traceId") else None
        where: dict[str, Any] = {"status": status, "endpoint": endpoint, "trace_id": trace_id}
        label = self.credentials.label
        if status == 401:
            return BadCredentialsError(
                f"{label}: ServiceTitan answered 401 ({title}) even with a fresh token: check the app key and the "
                "client credentials in the credential's Airflow connection",
                **where,
            )
        if status == 403:
            return MissingPermissionError(
                f"{label}: ServiceTitan answered 403 ({title}): the app key may be revoked or not approved for this "
                "tenant; ask the tenant's admin to approve the application in ServiceTitan's integration settings",
                **where,
            )
        if status == 429:
            return RateLimitedError(
                f"{label}: rate limited by ServiceTitan ({title})", retry_after=_retry_after(response, title), **where
            )
        if status >= 500:
            return TransientError(f"{label}: ServiceTitan answered {status} ({title})", **where)
        problems = body.get("errors") or {}
        return FatalRequestError(
            f"{label}: ServiceTitan rejected the request to {endpoint} with {status} ({title}; {problems}): "
            "the request is wrong and retrying will not help; report it as a bug of this project",
            **where,
        )

    def _report(
        self,
        endpoint: str,
        status: int | None,
        started: float,
        attempt: int,
        error: ServiceTitanError | None,
        opened_circuit: bool = False,
    ) -> None:
        if self._on_call is None:
            return
        self._on_call(
            CallReport(
                endpoint=endpoint,
                method="GET",
                status=status,
                duration_seconds=time.perf_counter() - started,
                attempt=attempt,
                error=type(error).__name__ if error else None,
                opened_circuit=opened_circuit,
            )
        )


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(response: httpx.Response, title: str) -> float | None:
    """Seconds to wait: the Retry-After header (seconds or an HTTP date), else a wait stated in the title."""
    header = response.headers.get("Retry-After")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return max(0.0, (parsedate_to_datetime(header) - datetime.now(tz=None).astimezone()).total_seconds())
            except (TypeError, ValueError):
                pass
    match = _WAIT_IN_TITLE.search(title)
    return float(match.group(1)) if match else None
