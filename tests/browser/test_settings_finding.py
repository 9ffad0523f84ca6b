"""A settings mistake on the health page, in Airflow's light and dark mode, at a laptop's and a desktop's size:
an invalid settings Variable and one of the old per-field form each get a finding that says what is wrong, what
to write instead, and links to Airflow's Variables page. Screenshots in test-artifacts/browser/settings/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, AirflowUI, ConsoleErrors, open_embedded

SHOTS = ARTIFACTS / "settings"
VARIABLES = {
    "servicetitan_anomaly_settings": '{"band_width": "wide"}',
    "servicetitan_alert_stale_sync_hours": "24",
}


@pytest.fixture(scope="module")
def settings_mistakes(airflow_ui: AirflowUI) -> Iterator[None]:
    """The Variables set as an operator would, through Airflow's REST API; put back as they were afterwards
    (the stack imported airflow_settings.yaml, which sets the settings Variables)."""
    before = {item["key"]: item["value"] for item in airflow_ui.api("variables", limit=100)["variables"]}
    for key, value in VARIABLES.items():
        if key in before:
            airflow_ui.request("PATCH", f"variables/{key}", json={"key": key, "value": value})
        else:
            airflow_ui.request("POST", "variables", json={"key": key, "value": value})
    yield
    for key in VARIABLES:
        if key in before:
            airflow_ui.request("PATCH", f"variables/{key}", json={"key": key, "value": before[key]})
        else:
            airflow_ui.request("DELETE", f"variables/{key}")


@pytest.mark.usefixtures("settings_mistakes")
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_the_health_page_says_which_setting_is_wrong_and_where_to_fix_it(
    page: Page, console_errors: ConsoleErrors, theme: str, size: tuple[int, int]
) -> None:
    frame = open_embedded(page, "/plugin/monitoring-health", theme, size)

    cards = frame.locator("section.finding").filter(has_text="Settings")
    expect(cards).to_have_count(2)
    invalid = cards.filter(has_text="servicetitan_anomaly_settings")
    expect(invalid).to_have_class("finding unhealthy")
    expect(invalid).to_contain_text(
        'band_width is "wide", not a number. The tasks that read it fail until it is fixed.'
    )
    legacy = cards.filter(has_text="servicetitan_alert_stale_sync_hours")
    expect(legacy).to_have_class("finding degraded")
    expect(legacy).to_contain_text('set "stale_sync_hours" in the Variable servicetitan_alert_settings instead')
    # Each card's edge in its status colour, in either theme (Airflow's: failed red, a warning's amber).
    edges = [card.evaluate("el => getComputedStyle(el).borderLeftColor") for card in (invalid, legacy)]
    assert edges == ["rgb(220, 38, 38)", "rgb(217, 119, 6)"], edges
    scroll_width, view_width = frame.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= view_width, f"the health page scrolls sideways at {size[0]} px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"health-{size[0]}-{theme}.png"))

    with page.expect_navigation():
        invalid.get_by_role("link", name="Edit the Variables").click()
    expect(page).to_have_url(re.compile(r"/variables/?$"))
    # An unhealthy report answers 503 (for probes); Chromium logs that status, and that is all it may log.
    assert [m for m in console_errors.messages if "503 (Service Unavailable)" not in m] == []
