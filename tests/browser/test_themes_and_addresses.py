"""Airflow's address bar carries the dashboard's filters (a reload or a shared link keeps them), and the Great
Expectations data docs follow Airflow's light or dark mode, inside the Airflow UI. Screenshots at a laptop's
and a desktop's size, light and dark, are kept in test-artifacts/browser/themes-and-addresses/."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Frame, Page, expect

from tests.browser.conftest import ARTIFACTS, LAPTOP, PASSWORD, USER, AirflowUI, ConsoleErrors, embedded, log_in, shoot

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "themes-and-addresses"
THEMES = ["light", "dark"]


def open_in_theme(browser: Browser, ui: AirflowUI, console_errors: ConsoleErrors, theme: str) -> Page:
    """A signed-in page whose Airflow theme is ``theme``, chosen as Airflow's switch keeps it."""
    context = browser.new_context(viewport=LAPTOP, base_url=ui.url)
    page = context.new_page()
    log_in(page)
    page.on("console", console_errors.on_console)
    page.on("pageerror", console_errors.on_page_error)
    page.evaluate("theme => localStorage.setItem('theme', theme)", theme)
    return page


def credential_id(ui: AirflowUI, company: str) -> str:
    with ui.engine.connect() as conn:
        return str(
            conn.execute(
                sa.text("SELECT id FROM servicetitan_credentials WHERE company_name = :company"), {"company": company}
            ).scalar_one()
        )


@pytest.mark.parametrize("theme", THEMES)
def test_the_dashboards_filters_live_in_airflows_address_and_survive_a_reload(
    browser: Browser, airflow_ui: AirflowUI, console_errors: ConsoleErrors, theme: str
) -> None:
    page = open_in_theme(browser, airflow_ui, console_errors, theme)
    try:
        acme = credential_id(airflow_ui, "Acme Plumbing")
        today = datetime.now(UTC).date()
        since, until = (today - timedelta(days=6)).isoformat(), today.isoformat()
        page.goto("/plugin/monitoring")
        frame = embedded(page)
        expect(frame.get_by_role("heading", level=1)).to_have_text("ServiceTitan pipeline")

        frame.locator('[name="credential"]').select_option(acme)
        frame.locator('[name="data_type"]').select_option("invoices")
        frame.locator('[name="since"]').fill(since)
        frame.locator('[name="until"]').fill(until)
        frame.get_by_role("button", name="Apply").click()

        # Airflow's own address carries them.
        expect(page).to_have_url(re.compile(r"/plugin/monitoring/servicetitan/dashboard\?"))
        query = parse_qs(urlsplit(page.url).query)
        assert query == {"credential": [acme], "data_type": ["invoices"], "since": [since], "until": [until]}

        # A reload (or the link shared) opens the same filtered page, with the filtered data.
        page.reload()
        frame = embedded(page)
        expect(frame.locator('[name="credential"]')).to_have_value(acme)
        expect(frame.locator('[name="data_type"]')).to_have_value("invoices")
        expect(frame.locator('[name="since"]')).to_have_value(since)
        expect(frame.locator('[name="until"]')).to_have_value(until)
        expect(frame.locator("header p").first).to_contain_text(f"{since} to {until}")
        companies = frame.locator("#credential-health table").last.locator("tr td:first-child").all_inner_texts()
        assert companies == ["Acme Plumbing"]  # every other credential filtered out
        assert parse_qs(urlsplit(frame.url).query)["credential"] == [acme]
        shoot(page, SHOTS, f"dashboard-filtered-{theme}")

        # An address written by hand, the query on the plugin's own address, applies it too.
        page.goto(f"/plugin/monitoring?credential={acme}&data_type=invoices")
        frame = embedded(page)
        expect(frame.locator('[name="credential"]')).to_have_value(acme)
        expect(frame.locator('[name="data_type"]')).to_have_value("invoices")
        expect(page).to_have_url(re.compile(rf"/plugin/monitoring/servicetitan/dashboard\?credential={acme}"))
        assert console_errors.messages == []
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{theme}-{time.time():.0f}.png"), full_page=True)
        raise
    finally:
        page.context.close()


def _contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of two computed ``rgb(...)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _is_dark(colour: str) -> bool:
    red, green, blue = (int(c) for c in re.findall(r"\d+", colour)[:3])
    return max(red, green, blue) < 80


def assert_readable_in(frame: Frame, theme: str, selectors: list[str]) -> None:
    """The page's body, and each of ``selectors``' first element, in ``theme``'s colours and readable."""
    expect(frame.locator("html")).to_have_class(
        re.compile(r"\bbootstrap-dark\b") if theme == "dark" else re.compile(r"^(?!.*\bbootstrap-dark\b)")
    )
    for selector in ["body", *selectors]:
        colour, background = frame.eval_on_selector(
            selector,
            """element => {
                const colour = getComputedStyle(element).color;
                // The background it is drawn on: its own, or the nearest ancestor's that is mostly opaque (GX
                // tints a card's header with rgba(0, 0, 0, .03) over the card's own colour).
                for (let e = element; e; e = e.parentElement) {
                    const background = getComputedStyle(e).backgroundColor;
                    const alpha = background.startsWith('rgba') ? parseFloat(background.split(',')[3]) : 1;
                    if (alpha >= 0.5) return [colour, background];
                }
                return [colour, 'rgb(255, 255, 255)'];
            }""",
        )
        assert _is_dark(background) == (theme == "dark"), f"{selector}: background {background} in {theme} mode"
        # Body text at WCAG AA's 4.5:1; links, breadcrumbs and headers at its 3:1 for large and UI text (GX's own
        # light theme draws its breadcrumbs and links at 4.48:1 and 3.9:1).
        least = 4.5 if selector == "body" else 3.0
        assert _contrast(colour, background) >= least, f"{selector}: {colour} on {background} is hard to read"


def _a_validation_page_exists(ui: AirflowUI) -> None:
    """A sync of Acme's customers, unless a sync was validated already (its data-docs page is what is looked at):
    in a whole session, test_airflow_ui's sync has, and this module runs after it (by name) because that test
    expects its sync of Acme's invoices to be the session's first validation."""
    with ui.engine.connect() as conn:
        pages = conn.execute(
            sa.text("SELECT count(*) FROM servicetitan_data_quality_results WHERE data_docs_page IS NOT NULL")
        ).scalar_one()
    if pages:
        return
    login = httpx.post(f"{ui.url}/auth/token", json={"username": USER, "password": PASSWORD}, timeout=30)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    dag = f"{ui.url}/api/v2/dags/servicetitan_sync"
    httpx.patch(f"{dag}?update_mask=is_paused", json={"is_paused": False}, headers=headers, timeout=30)
    conf = {"credential": credential_id(ui, "Acme Plumbing"), "data_type": "customers"}
    run = httpx.post(
        f"{dag}/dagRuns",
        json={"logical_date": None, "conf": conf},
        headers=headers,
        timeout=30,
    )
    run.raise_for_status()
    run_id = run.json()["dag_run_id"]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            state = ui.api(f"dags/servicetitan_sync/dagRuns/{run_id}")["state"]
        except httpx.TimeoutException:
            continue
        if state in {"success", "failed"}:
            assert state == "success", f"run {run_id} {state}; see {ui.log}"
            return
        time.sleep(2)
    pytest.fail(f"run {run_id} did not finish; see {ui.log}")


@pytest.mark.parametrize("theme", THEMES)
def test_the_data_docs_follow_airflows_theme_and_stay_readable(
    browser: Browser, airflow_ui: AirflowUI, console_errors: ConsoleErrors, theme: str
) -> None:
    _a_validation_page_exists(airflow_ui)
    page = open_in_theme(browser, airflow_ui, console_errors, theme)
    try:
        page.goto("/plugin/monitoring-data-docs")
        # Once Airflow has mirrored the loaded page's path into its address, the frame is that page for good.
        # (On the iframe's load event: after every script and stylesheet of GX's index, slow on a busy machine.)
        expect(page).to_have_url(re.compile(r"/plugin/monitoring-data-docs/servicetitan/data-docs/"), timeout=60_000)
        frame = embedded(page)
        expect(frame.locator("html")).to_have_attribute("data-theme", theme)
        expect(frame.locator("table tbody tr").first).to_be_visible()
        assert_readable_in(frame, theme, ["table tbody td", ".nav-tabs .nav-link"])
        shoot(page, SHOTS, f"data-docs-index-{theme}")

        # A validation page: its overview panel, section headers, tables and breadcrumbs.
        frame.locator("table tbody tr").first.locator("td").nth(1).click()
        expect(page).to_have_url(re.compile(r"/plugin/monitoring-data-docs/servicetitan/data-docs/validations/"))
        frame = embedded(page)
        expect(frame.get_by_text("Overview").first).to_be_visible()
        assert_readable_in(
            frame,
            theme,
            [".alert-secondary", ".card-header", ".breadcrumb-item.active", "table.table td", ".ge-breadcrumbs a"],
        )
        shoot(page, SHOTS, f"data-docs-validation-{theme}")

        # Switching Airflow's theme repaints the open page, as the monitoring pages do.
        other = "light" if theme == "dark" else "dark"
        page.evaluate("dark => document.documentElement.classList.toggle('dark', dark)", other == "dark")
        assert_readable_in(frame, other, [".alert-secondary", "table.table td"])
        assert console_errors.messages == []
    except Exception:
        page.screenshot(path=str(ARTIFACTS / f"{theme}-{time.time():.0f}.png"), full_page=True)
        raise
    finally:
        page.context.close()
