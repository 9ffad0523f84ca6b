"""servicetitan_sync's trigger form as an operator uses it: the credentials to pick from, a run noted with
what it syncs, and a typo refused before anything runs. Screenshots of the form in test-artifacts/browser/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, AirflowUI
from tests.browser.conftest import finished_run as finished

pytestmark = [pytest.mark.browser, pytest.mark.isolated]

DEMO_CREDENTIALS = [
    "Acme Plumbing (integration, tenant 1001)",
    "Bright HVAC (integration, tenant 1002)",
    "Crest Electric (integration, tenant 1003)",
    "Drift Demo Roofing (integration, tenant 1004)",
]


def open_the_form(page: Page) -> None:
    page.goto("/dags/servicetitan_sync")
    page.get_by_role("button", name="Trigger Dag").click()
    expect(page.get_by_role("dialog").get_by_text("Run Parameters")).to_be_visible()


def trigger(page: Page, credential: str) -> str:
    dialog = page.get_by_role("dialog")
    dialog.locator("#element_credential").fill(credential)
    dialog.get_by_role("button", name="Trigger", exact=True).click()
    page.wait_for_url(re.compile(r"/dags/servicetitan_sync/runs/"))
    return page.url.rsplit("/runs/", 1)[1]


@pytest.mark.parametrize("size", [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}])
def test_the_form_lists_the_onboarded_credentials(page: Page, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    open_the_form(page)
    field = page.locator("#element_credential")
    assert field.get_attribute("list") == "list_credential"
    options = page.locator("datalist#list_credential option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["all", *DEMO_CREDENTIALS]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"trigger-form-{size['width']}.png"))


def test_a_manual_run_is_noted_with_what_it_syncs(page: Page, airflow_ui: AirflowUI) -> None:
    open_the_form(page)
    run = finished(airflow_ui, trigger(page, DEMO_CREDENTIALS[0]))
    # The scheduler's listener wrote the note when it started the run; the data type is the form's default.
    assert run["note"] == f"{DEMO_CREDENTIALS[0]} · customers and invoices"
    assert run["state"] == "success"


def test_a_typo_is_refused_before_anything_runs(page: Page, airflow_ui: AirflowUI) -> None:
    open_the_form(page)
    run_id = trigger(page, "Acme Plumbng")
    assert finished(airflow_ui, run_id)["state"] == "failed"
    tasks = airflow_ui.api(f"dags/servicetitan_sync/dagRuns/{run_id}/taskInstances")["task_instances"]
    states = {ti["task_id"]: (ti["state"], ti["try_number"]) for ti in tasks}
    assert states.pop("plan") == ("failed", 1)
    assert set(states.values()) == {("upstream_failed", 0)}
    assert set(states) == {"sync", "validate_data_quality", "update_customers_asset", "update_invoices_asset"}
