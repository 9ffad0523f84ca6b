"""The Airflow UI as its users use it, in a real browser: an admin logs in, triggers a manual sync from the
trigger form, watches it succeed and reads the results on the project's pages; engineers find the
``servicetitan`` connection form. Every page the project adds is usable at a laptop's width."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Frame, Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import ARTIFACTS, AirflowUI, ConsoleErrors, embedded, open_embedded, wait_for_run

pytestmark = [pytest.mark.browser, pytest.mark.isolated]

PROJECT_PAGES = {
    "dashboard": "/servicetitan/dashboard",
    "health": "/servicetitan/health",
    "data docs": "/servicetitan/data-docs/",
}


def trigger_from_the_form(page: Page, credential: str, data_type: str) -> str:
    """Fill the trigger form of servicetitan_sync as an admin would; the new run's id."""
    page.goto("/dags/servicetitan_sync")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Run Parameters")).to_be_visible()
    dialog.locator("#element_credential").fill(credential)
    dialog.get_by_role(
        "combobox", name="Data type"
    ).click()  # a select of the Param's enum (the credential is a combobox too)
    page.get_by_role("option", name=data_type, exact=True).click()
    dialog.get_by_role("button", name="Trigger", exact=True).click()
    page.wait_for_url(re.compile(r"/dags/servicetitan_sync/runs/"))
    return page.url.rsplit("/runs/", 1)[1]


def latest_sync_log(ui: AirflowUI, company: str) -> sa.Row[tuple[object, ...]]:
    with ui.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT l.sync_type, l.data_type, l.status, l.records_processed, l.records_successful,"
                " l.started_at FROM servicetitan_sync_logs AS l"
                " JOIN servicetitan_credentials AS c ON c.id = l.credential_id"
                " WHERE c.company_name = :company ORDER BY l.started_at DESC LIMIT 1"
            ),
            {"company": company},
        ).one()


def test_an_admin_triggers_a_manual_sync_and_reads_the_results(page: Page, airflow_ui: AirflowUI) -> None:
    triggered_at = datetime.now(UTC)
    run_id = trigger_from_the_form(page, "Acme Plumbing", "invoices")
    assert wait_for_run(airflow_ui, run_id) == "success"
    page.reload()
    expect(page.get_by_text("Success", exact=True).first).to_be_visible()  # the run page shows it too

    # The run wrote one sync-log row for the chosen credential: manual, invoices, completed.
    sync_type, data_type, status, processed, successful, started_at = latest_sync_log(airflow_ui, "Acme Plumbing")
    assert (sync_type, data_type, status) == ("manual", "invoices", "completed")
    assert started_at >= triggered_at
    assert processed == successful == 1000  # Acme Plumbing's invoices in sandbox.example.yaml

    # The dashboard shows it, with the numbers in the database.
    page.goto("/servicetitan/dashboard")
    kpis = page.locator("p.kpis")
    expect(kpis).to_contain_text("completed")
    syncs = int(kpis.locator("b").first.inner_text().replace(",", ""))
    with airflow_ui.engine.connect() as conn:
        in_database = conn.execute(
            sa.text("SELECT count(*) FROM servicetitan_sync_logs WHERE started_at >= now() - interval '14 days'")
        ).scalar_one()
    assert syncs == in_database >= 1
    bars = page.locator('svg[aria-label="Syncs per day by status"] rect title')
    assert any(re.search(r"completed: [1-9]", title) for title in bars.all_text_contents())
    quality = page.locator("#data-quality table").filter(has_text="Acme Plumbing")
    expect(quality).to_contain_text("1,000")  # the records validated
    expect(quality).to_contain_text("100.00 %")  # Acme's invoices are clean

    # The health page answers, as a page and as JSON.
    page.goto("/servicetitan/health")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("healthy|degraded|unhealthy"))
    answer = page.request.get("/servicetitan/health?format=json")
    assert answer.status in (200, 503)
    assert set(answer.json()["checks"]) == {
        "credentials",
        "api_connectivity",
        "recent_syncs",
        "system_resources",
        "settings",
    }

    # The data docs open on the validation of this sync.
    page.goto("/servicetitan/data-docs/")
    expect(page).to_have_title("Data Docs created by Great Expectations")
    page.get_by_role("cell", name=re.compile("acme-plumbing-integration-tenant-1001-invoices")).first.click()
    expect(page.get_by_text("servicetitan_invoices").first).to_be_visible()


def test_servicetitan_connections_have_their_own_form(page: Page) -> None:
    page.goto("/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("combobox").first.click()
    page.keyboard.type("ServiceTitan")
    page.get_by_role("option", name="ServiceTitan", exact=True).click()
    for label in ("Client ID", "Client Secret"):
        expect(dialog.get_by_label(label, exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    for label in ("Tenant ID", "App Key", "Environment", "Base URL override"):
        expect(dialog.locator("label", has_text=label).first).to_be_visible()
    expect(dialog.locator("#element_app_api_key")).to_have_attribute("type", "password")  # a secret: masked
    expect(dialog.get_by_text("null", exact=True)).to_have_count(0)
    for hidden in ("Host", "Schema", "Port"):
        expect(dialog.get_by_label(hidden, exact=True)).to_have_count(0)


def test_the_dashboard_opens_inside_the_airflow_ui(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="ServiceTitan", exact=True).click()
    # Airflow mirrors the iframe's path into its address: once, not /plugin/servicetitan/servicetitan/...
    expect(page).to_have_url(re.compile(r"/plugin/monitoring/servicetitan/dashboard$"))
    frame = embedded(page)
    expect(frame.get_by_role("heading", level=1)).to_have_text("ServiceTitan pipeline")
    _assert_no_horizontal_scroll(frame, "the dashboard inside the Airflow UI")
    # A link followed inside the page moves Airflow's address with it.
    frame.get_by_role("link", name="Health report").click()
    expect(page).to_have_url(re.compile(r"/plugin/monitoring/servicetitan/health$"))


@pytest.fixture(scope="module")
def a_week_of_history(airflow_ui: AirflowUI) -> Iterator[None]:
    """A week of syncs and API figures for the stack's credentials (a failing one among them), so that the
    screenshots show charts; removed afterwards, leaving the stack as `make run` left it."""
    from servicetitan_pipeline.db.models import ServiceTitanCredential, ServiceTitanMetricSnapshot
    from tests.factories import make_sync_log

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with Session(airflow_ui.engine) as session:
        credentials = session.scalars(sa.select(ServiceTitanCredential).order_by("tenant_id")).all()
        rows: list[Any] = []
        for day in range(7):
            for k, credential in enumerate(credentials):
                started = now - timedelta(days=day, hours=2 + k)
                failing = k == len(credentials) - 1 and day % 2 == 0
                rows.append(
                    make_sync_log(
                        credential, started_at=started, status="failed" if failing else "completed",
                        completed_at=started + timedelta(seconds=1.87 + 0.4 * k + 0.1 * day),
                        processing_time_seconds=2, records_processed=1000, records_successful=990 - 10 * k,
                        records_failed=10 + 10 * k,
                    )
                )  # fmt: skip
                tags = {"company": credential.company_name, "environment": "integration", "data_type": "invoices"}
                for name, value in [
                    ("servicetitan.api.requests", 21 - 3 * k),
                    ("servicetitan.api.response_time_ms", 120 + 40 * k),
                    ("servicetitan.api.request_errors", 2 * k),
                    ("servicetitan.api.rate_limited", k),
                    ("servicetitan.api.circuit_opened", int(failing)),
                ]:
                    if value:
                        rows.append(
                            ServiceTitanMetricSnapshot(
                                name=name, value=value, collected_at=started, tags={**tags, "endpoint": "invoices"}
                            )
                        )
        session.add_all(rows)
        session.commit()
        yield
        for row in rows:
            session.delete(row)
        session.commit()


@pytest.mark.usefixtures("a_week_of_history")
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_the_embedded_dashboard_follows_airflows_colour_mode(
    page: Page, console_errors: ConsoleErrors, theme: str, size: tuple[int, int]
) -> None:
    frame = open_embedded(page, "/plugin/monitoring", theme, size)
    expect(frame.get_by_role("heading", level=1)).to_have_text("ServiceTitan pipeline")
    assert page.evaluate("document.documentElement.classList.contains('dark')") == (theme == "dark")
    background = frame.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(17, 24, 39)") == (theme == "dark"), background
    _assert_no_horizontal_scroll(frame, f"the dashboard at {size[0]} px")
    shots = ARTIFACTS / "dashboard"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"dashboard-{size[0]}-{theme}.png"), full_page=True)
    handle = page.locator("iframe").element_handle()
    assert handle is not None
    handle.screenshot(path=str(shots / f"dashboard-frame-{size[0]}-{theme}.png"))
    assert console_errors.messages == []


@pytest.mark.parametrize("name", list(PROJECT_PAGES))
def test_each_project_page_is_usable_at_a_laptops_width(page: Page, console_errors: ConsoleErrors, name: str) -> None:
    page.goto(PROJECT_PAGES[name])
    page.wait_for_load_state("networkidle")
    shots = ARTIFACTS / "pages"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name.replace(' ', '-')}.png"), full_page=True)
    generated_by_gx = name == "data docs"  # Great Expectations' own pages: its layout and widgets, not ours
    assert page.title().strip(), "the page has a title"
    assert page.evaluate("document.documentElement.lang"), "the page declares its language"
    if not generated_by_gx:  # GX's index has no headings at all
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
    _assert_no_horizontal_scroll(page.main_frame, name)
    unlabelled = page.evaluate(
        """() => [
            ...[...document.querySelectorAll('svg.chart')].filter(svg => !svg.getAttribute('aria-label'))
                .map(() => 'a chart without aria-label'),
            ...[...document.querySelectorAll('img')].filter(img => !img.hasAttribute('alt'))
                .map(img => 'an image without alt: ' + img.src),
            ...[...document.querySelectorAll('a')]
                .filter(a => !a.textContent.trim() && !a.getAttribute('aria-label')
                    && !a.querySelector('img[alt]:not([alt=""])'))
                .map(a => 'a link without text: ' + a.href),
            ...[...document.querySelectorAll('input, select, textarea')]
                .filter(el => el.type !== 'hidden' && !el.labels?.length && !el.getAttribute('aria-label')
                    && !el.getAttribute('placeholder') && !el.getAttribute('title'))
                .map(el => 'a form field without a label: ' + (el.name || el.id || el.type)),
        ]"""
    )
    if generated_by_gx:  # its table filters are GX's widgets
        unlabelled = [problem for problem in unlabelled if not problem.startswith("a form field")]
    assert unlabelled == []
    assert console_errors.messages == []


def _assert_no_horizontal_scroll(frame: Frame, what: str) -> None:
    scroll_width, view_width = frame.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= view_width, f"{what} scrolls sideways: {scroll_width} px of content in {view_width} px"
