"""Run a suite on a chunk of rows with Great Expectations Core, and keep its verdict in the data docs.

One ``GreatExpectationsProject`` per process: importing GX and opening its file project cost seconds,
validating a 100k-row chunk well under one. A chunk may hold the rows of many syncs (column
``sync_log_id``): one suite run then judges all of them, and its record-level outcomes (which rows
failed which expectation, from GX's COMPLETE result format) are split back into one verdict per sync.
So that this split is exact, uniqueness is checked per sync (``expect_column_values_to_be_unique`` on a
column runs as ``expect_compound_columns_to_be_unique`` on ``sync_log_id`` and that column), and a suite
with an expectation that is not judged row by row (a column's mean, say) validates one sync at a time.
The copy kept for the data docs drops the full row lists, so a stored result stays small.
"""

from __future__ import annotations

import copy
import fcntl
import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from servicetitan_pipeline.data_quality.batches import QualityBatch
from servicetitan_pipeline.data_quality.locations import DATA_DOCS_SITE, data_docs_dir, gx_project_dir
from servicetitan_pipeline.data_quality.offline_docs import localize_data_docs
from servicetitan_pipeline.data_quality.suites import SuiteFileError, load_suite_definition

if TYPE_CHECKING:
    import pandas as pd

# GX narrates its internals at INFO (registrations, config dumps); the task log keeps our own lines.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

DATASOURCE = "servicetitan_sync"
BATCH_DEFINITION = "whole_sync"
SAMPLE_IDS = 10
# Full row lists are needed to score records, not to read the docs.
_ROW_LISTS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")
SYNC_COLUMN = "sync_log_id"
# Failing records named per expectation in the data docs (the scores count them all).
DOCS_FAILING_RECORDS = 50


@dataclass
class ExpectationOutcome:
    """One expectation's verdict over every chunk of one sync."""

    expectation: str
    column: str
    description: str
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    sample_ids: list[Any] = field(default_factory=list)

    @property
    def unexpected_percent(self) -> float:
        return round(100.0 * self.unexpected_count / self.element_count, 4) if self.element_count else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "expectation": self.expectation,
            "column": self.column,
            "description": self.description,
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "sample_ids": self.sample_ids,
        }


@dataclass
class ChunkVerdict:
    rows: int
    invalid_rows: int
    outcomes: list[ExpectationOutcome]
    filled: dict[str, int]  # completeness field -> rows where it is filled
    data_docs_page: str | None


class GreatExpectationsProject:
    """The GX file project under ``gx_project_dir()``: suites, a pandas data source, stored results, docs."""

    def __init__(self, root: Path | None = None) -> None:
        import great_expectations as gx

        self.root = root or gx_project_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._context = gx.get_context(mode="file", project_root_dir=str(self.root))
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # tqdm bars are noise in a task log; the runner logs records and rate itself.
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        # GX's "how to" buttons and tutorial links point operators at GX's website, which they cannot reach here.
        # (Assigned whole: GX hands out a copy of its config.)
        sites = dict(self._context.variables.data_docs_sites or {})
        if DATA_DOCS_SITE in sites:
            sites[DATA_DOCS_SITE] = {**sites[DATA_DOCS_SITE], "show_how_to_buttons": False}
            self._context.variables.data_docs_sites = sites
        self._suites: dict[str, Any] = {}
        self._written: dict[str, dict[Any, dict[str, Any]]] = {}
        self._row_level: dict[str, bool] = {}
        self._batch_definitions: dict[str, Any] = {}
        self._suites_in_docs: set[str] = set()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Validations of several syncs may run at once on one machine: GX's files are not written atomically.
        with open(self.root / ".servicetitan.lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def suite(self, name: str) -> Any:
        if name not in self._suites:
            import great_expectations as gx
            from great_expectations.expectations.expectation import (
                ColumnMapExpectation,
                ColumnPairMapExpectation,
                MulticolumnMapExpectation,
            )

            definition = load_suite_definition(name)
            written = definition["expectations"]
            try:
                suite = gx.ExpectationSuite(**{**definition, "expectations": [_per_sync(e) for e in written]})
            except Exception as exc:  # GX raises pydantic and its own errors alike
                raise SuiteFileError(f"expectations/{name}.json: Great Expectations refused it: {exc}") from None
            # GX logs and skips an expectation it cannot read; a suite must never lose one silently.
            if len(suite.expectations) != len(written):
                raise SuiteFileError(
                    f"expectations/{name}.json: Great Expectations could read only {len(suite.expectations)} of its "
                    f"{len(written)} expectations; check each one's type and kwargs"
                )
            with self._locked():
                self._suites[name] = self._context.suites.add_or_update(suite)
            # Outcomes are reported as written in the file, whatever ran.
            ran = self._suites[name].expectations
            self._written[name] = {expectation.id: original for expectation, original in zip(ran, written, strict=True)}
            row_level = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
            self._row_level[name] = all(isinstance(e, row_level) for e in self._suites[name].expectations)
        return self._suites[name]

    def judges_rows(self, name: str) -> bool:
        """Whether every expectation of the suite judges row by row, so that syncs can share a suite run."""
        self.suite(name)
        return self._row_level[name]

    def batch_definition(self, data_type: str) -> Any:
        if data_type not in self._batch_definitions:
            with self._locked():
                sources = self._context.data_sources
                source: Any = (
                    sources.get(DATASOURCE) if DATASOURCE in sources.all() else sources.add_pandas(name=DATASOURCE)
                )
                asset = (
                    source.get_asset(data_type)
                    if data_type in {asset.name for asset in source.assets}
                    else source.add_dataframe_asset(name=data_type)
                )
                definitions = {definition.name: definition for definition in asset.batch_definitions}
                self._batch_definitions[data_type] = definitions.get(BATCH_DEFINITION) or (
                    asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
                )
        return self._batch_definitions[data_type]

    def validate(
        self,
        batch: QualityBatch,
        frame: pd.DataFrame,
        *,
        run_name: str,
        run_time: datetime,
        build_docs: bool = True,
        tenants: Mapping[Any, int] | None = None,
    ) -> dict[Any, ChunkVerdict]:
        """Validate one chunk of the rows of one or more syncs; store its (slimmed) result and render its
        data-docs page. Returns one verdict per sync (by its ``sync_log_id``), in the chunk's order.
        ``tenants``: each sync's tenant id, which names its failing records in the docs of a shared run."""
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.validator.v1_validator import Validator

        suite = self.suite(batch.suite_name)
        written = self._written[batch.suite_name]
        validator = Validator(
            batch_definition=self.batch_definition(batch.data_type),
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
        )
        result = validator.validate_expectation_suite(suite)
        sync_of = frame[SYNC_COLUMN]
        syncs = list(dict.fromkeys(sync_of))
        rows = sync_of.value_counts().to_dict()
        invalid: dict[Any, set[Any]] = {sync: set() for sync in syncs}
        outcomes: dict[Any, list[ExpectationOutcome]] = {sync: [] for sync in syncs}
        for expectation_result in result.results:
            config = expectation_result.expectation_config
            assert config is not None  # GX sets it on every result of a suite run
            original = written[config.id]
            kwargs = original["kwargs"]
            details = expectation_result.result or {}
            by_sync: dict[Any, list[Any]] = defaultdict(list)
            for index in details.get("unexpected_index_list") or []:
                by_sync[sync_of.at[index]].append(index)
            for sync in syncs:
                hits = by_sync.get(sync, [])
                invalid[sync].update(hits)
                outcomes[sync].append(
                    ExpectationOutcome(
                        expectation=original["type"],
                        column=kwargs.get("column") or f"{kwargs.get('column_A')}, {kwargs.get('column_B')}",
                        description=original["description"],
                        # Alone in its chunk, a sync has GX's own verdict (aggregates and `mostly` included).
                        success=bool(expectation_result.success)
                        if len(syncs) == 1
                        else not hits or _met(original, len(hits), frame[sync_of == sync]),
                        element_count=int(rows[sync]),
                        unexpected_count=len(hits),
                        sample_ids=[_plain(frame.at[index, "id"]) for index in hits[:SAMPLE_IDS]],
                    )
                )
            unexpected = details.get("unexpected_index_list") or []
            for key in _ROW_LISTS:
                details.pop(key, None)
            if unexpected and kwargs.get("column") in frame:
                _name_failing_records(details, frame, kwargs["column"], unexpected, tenants if len(syncs) > 1 else None)
        filled = frame.groupby(SYNC_COLUMN, sort=False)[list(batch.completeness_fields)].count()
        page = None
        if build_docs:
            run_id = RunIdentifier(run_name=run_name, run_time=run_time)
            meta: dict[str, Any] = result.meta  # type: ignore[assignment]  # the keys ValidationDefinition.run() sets, for the docs
            meta["run_id"] = run_id
            meta["validation_time"] = run_time
            page = self._store_and_render(result, suite, run_id, validator.active_batch_id or batch.data_type)
        return {
            sync: ChunkVerdict(
                rows=int(rows[sync]),
                invalid_rows=len(invalid[sync]),
                outcomes=outcomes[sync],
                filled={name: int(filled.at[sync, name]) for name in batch.completeness_fields},
                data_docs_page=page,
            )
            for sync in syncs
        }

    def prune(self, older_than_days: int) -> int:
        """Delete stored validation results and their pages older than ``older_than_days``; the next
        build's index lists only what is left. Returns how many results went. Without this the docs grow
        by a page per sync and data type, and the index (one table of all of them) slows every build."""
        cutoff = time.time() - older_than_days * 86_400
        stores = (self.root / "gx" / "uncommitted" / "validations", data_docs_dir(self.root) / "validations")
        removed = 0
        with self._locked():
            for store in stores:
                if not store.is_dir():
                    continue
                for path in list(store.rglob("*")):
                    if path.is_file() and path.suffix in (".json", ".html") and path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += path.suffix == ".json"
                # Empty run folders left behind, deepest first.
                for folder in sorted((p for p in store.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                    if not any(folder.iterdir()):
                        folder.rmdir()
        return removed

    def _store_and_render(self, result: Any, suite: Any, run_id: Any, batch_id: str) -> str | None:
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        suite_key = ExpectationSuiteIdentifier(name=suite.name)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=suite_key, run_id=run_id, batch_identifier=batch_id
        )
        # The suite's own page too, once per process: the suite file may have changed since the last build.
        to_render: list[Any] = [key] if suite.name in self._suites_in_docs else [key, suite_key]
        site = data_docs_dir(self.root)
        with self._locked():
            self._context.validation_results_store.set(key, result)
            self._context.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=to_render)
            urls = self._context.get_docs_sites_urls(resource_identifier=key, site_name=DATA_DOCS_SITE)
            url = urls[0].get("site_url") if urls else None
            page = _relative_page(site, url)
            # GX's pages load their CSS and JS from CDNs; rewritten to vendored copies they work offline.
            rewritten = ["index.html", *([page] if page else [])]
            if suite.name not in self._suites_in_docs:
                rewritten.append(f"expectations/{suite.name}.html")
            localize_data_docs(site, rewritten)
            self._suites_in_docs.add(suite.name)
        return page


def _name_failing_records(
    details: dict[str, Any], frame: pd.DataFrame, column: str, positions: list[Any], tenants: Mapping[Any, int] | None
) -> None:
    """The docs' table of failing values names the records that hold them: a sample's ids (``tenant/id`` when
    the run holds several tenants' syncs), in GX's own shape for ID columns."""
    key = "tenant/id" if tenants else "id"
    sample = []
    for position in positions[:DOCS_FAILING_RECORDS]:
        record = str(_plain(frame.at[position, "id"]))
        if tenants:
            record = f"{tenants.get(frame.at[position, SYNC_COLUMN], '?')}/{record}"
        value = _plain(frame.at[position, column])
        sample.append({key: record, column: None if value is None or value != value else str(value)})
    details["unexpected_index_list"] = sample
    details["unexpected_index_column_names"] = [key]


def _per_sync(expectation: dict[str, Any]) -> dict[str, Any]:
    # Rows of many syncs share a chunk: an id is unique within its sync, not across tenants.
    if expectation["type"] != "expect_column_values_to_be_unique":
        return expectation
    kwargs = copy.deepcopy(expectation["kwargs"])
    column = kwargs.pop("column")
    return {
        **expectation,
        "type": "expect_compound_columns_to_be_unique",
        # As the single-column expectation: a missing value is never a duplicate.
        "kwargs": {**kwargs, "column_list": [SYNC_COLUMN, column], "ignore_row_if": "any_value_is_missing"},
    }


def _met(expectation: dict[str, Any], unexpected: int, rows: pd.DataFrame) -> bool:
    """A row-level expectation's verdict on one sync's ``rows`` of a shared chunk, some unexpected: no more
    than ``mostly`` allows of the rows GX judges (those where the column has a value, but for not-null)."""
    mostly = expectation["kwargs"].get("mostly")
    if mostly is None:
        return False
    column = expectation["kwargs"].get("column")
    counts_missing = expectation["type"] == "expect_column_values_to_not_be_null" or column not in rows
    judged = len(rows) if counts_missing else int(rows[column].notna().sum())
    return judged > 0 and unexpected / judged <= 1 - float(mostly)


def _relative_page(site: Path, url: str | None) -> str | None:
    if not url:
        return None
    path = Path(unquote(url.removeprefix("file://")))
    try:
        return path.resolve().relative_to(site.resolve()).as_posix()
    except ValueError:
        return None


def _plain(value: Any) -> Any:
    # numpy scalars are not JSON; ids are ints.
    return value.item() if hasattr(value, "item") else value
