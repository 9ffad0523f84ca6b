"""The per-tenant page as an operator uses it inside the Airflow UI, in light and dark mode: pick the tenant
from the list, press "Sync now", and the run it creates (as the signed-in user, through Airflow's REST API)
runs the sync; then the page lists that sync with links to its run and log. The health page beside it.
Screenshots at a laptop's and a desktop's size are kept in test-artifacts/browser/tenant-page/."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Frame, expect

from tests.browser.conftest import ARTIFACTS, LAPTOP, AirflowUI, ConsoleErrors, embedded, log_in, shoot, wait_for_run

pytestmark = [pytest.mark.browser, pytest.mark.isolated]

SHOTS = ARTIFACTS / "tenant-page"


def assert_theme(frame: Frame, scheme: str) -> None:
    expect(frame.locator("html")).to_have_class(
        re.compile(r"\bdark\b") if scheme == "dark" else re.compile(r"^(?!.*\bdark\b)")
    )
    background = frame.evaluate("getComputedStyle(document.body).backgroundColor")
    dark_background = background in {"rgb(17, 24, 39)"}
    assert dark_background == (scheme == "dark"), background


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_sync_now_on_the_tenant_page_creates_a_run_as_the_user(
    browser: Browser, airflow_ui: AirflowUI, console_errors: ConsoleErrors, scheme: str
) -> None:
    context = browser.new_context(viewport=LAPTOP, base_url=airflow_ui.url, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page)
        page.on("console", console_errors.on_console)
        page.on("pageerror", console_errors.on_page_error)
        with airflow_ui.engine.connect() as conn:
            acme_id = str(
                conn.execute(
                    sa.text("SELECT id FROM servicetitan_credentials WHERE company_name = 'Acme Plumbing'")
                ).scalar_one()
            )

        # The list, from Airflow's navigation, links to the tenant's page (inside the Airflow UI).
        page.goto("/")
        page.get_by_role("button", name="Browse").click()
        page.get_by_role("menuitem", name="ServiceTitan tenants", exact=True).click()
        frame = embedded(page)
        expect(frame.get_by_role("heading", level=1)).to_have_text("ServiceTitan tenants")
        assert_theme(frame, scheme)
        frame.get_by_role("link", name="Acme Plumbing", exact=True).click()
        expect(frame.get_by_role("heading", level=1)).to_contain_text("Acme Plumbing (integration, tenant 1001)")
        assert_theme(frame, scheme)

        # "Sync now": the browser calls Airflow's REST API with the user's session; a run exists for Acme.
        frame.get_by_role("button", name="Sync now").click()
        result = frame.locator("#sync-now-result")
        expect(result).to_contain_text("Sync started", timeout=30_000)
        run_id = frame.locator("#sync-now").get_attribute("data-run-id")
        assert run_id
        run = airflow_ui.api(f"dags/servicetitan_sync/dagRuns/{run_id}")
        assert run["conf"] == {"credential": acme_id}
        assert run["run_type"] == "manual"
        assert run["note"] == "Sync now: Acme Plumbing (integration, tenant 1001)"
        assert wait_for_run(airflow_ui, run_id) == "success"

        # The page lists that sync, with links into Airflow that open in the top window.
        page.reload()
        frame = embedded(page)
        first = frame.locator("table.syncs tbody tr").first
        expect(first).to_contain_text("completed")
        expect(first).to_contain_text(re.compile(r"\d+(\.\d)? s|\d+ min"))
        run_link = first.get_by_role("link", name="Run", exact=True)
        expect(run_link).to_have_attribute("target", "_top")
        assert run_id.replace(":", "%3A").replace("+", "%2B") in (run_link.get_attribute("href") or "")
        expect(frame.locator("#data-quality svg.chart")).to_be_visible()
        assert_theme(frame, scheme)
        assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shoot(page, SHOTS, f"tenant-{scheme}")

        first.get_by_role("link", name="Log", exact=True).click()
        expect(page).to_have_url(
            re.compile(r"/dags/servicetitan_sync/runs/.+/tasks/sync"), timeout=60_000
        )  # the top window moved

        # The health page, in the same theme.
        page.goto("/plugin/monitoring-health")
        frame = embedded(page)
        expect(frame.get_by_role("heading", name="Data quality")).to_be_visible()
        assert_theme(frame, scheme)
        shoot(page, SHOTS, f"health-{scheme}")
        assert console_errors.messages == []
    finally:
        context.close()
