"""The anomaly panels inside the Airflow UI, in light and dark mode, at a laptop's and a desktop's size: the
dashboard lists the firing volume anomaly, its tenant link opens the tenant's page, which draws the drop against
its expected band, says where there is not enough history yet, and marks the source schema's changes.
Screenshots are kept in test-artifacts/browser/anomalies/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Frame, Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import ARTIFACTS, AirflowUI, ConsoleErrors, open_embedded
from tests.factories import make_credential
from tests.servicetitan_pipeline.monitoring.anomaly_seed import DROP, seed_anomalies

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "anomalies"
COMPANY = "Anomaly Seeded Co"
TENANT_ID = 917017


@pytest.fixture(scope="module")
def anomalous_tenant(airflow_ui: AirflowUI) -> Iterator[uuid.UUID]:
    """A credential with four weeks of hourly syncs ending in a drop and its firing alert; removed afterwards
    (every row of it cascades from the credential)."""
    # Half past the previous hour: the seeded drop (at :05) has completed before the page is read.
    now = (datetime.now(UTC) - timedelta(minutes=30)).replace(minute=30, second=0, microsecond=0)
    credential = make_credential(company_name=COMPANY, tenant_id=TENANT_ID)
    with Session(airflow_ui.engine, expire_on_commit=False) as session:
        session.add(credential)
        session.commit()
    credential_id = credential.id
    seed_anomalies(airflow_ui.engine, credential_id, TENANT_ID, COMPANY, now)
    yield credential_id
    with airflow_ui.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM servicetitan_alerts WHERE credential_id = :id"), {"id": credential_id})
        conn.execute(sa.text("DELETE FROM servicetitan_credentials WHERE id = :id"), {"id": credential_id})


def no_sideways_scroll(frame: Frame, what: str) -> None:
    scroll_width, view_width = frame.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= view_width, f"{what} scrolls sideways: {scroll_width} px of content in {view_width} px"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_the_anomaly_panels_show_the_drop_against_its_band(
    page: Page, console_errors: ConsoleErrors, anomalous_tenant: uuid.UUID, theme: str, size: tuple[int, int]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    frame = open_embedded(page, "/plugin/monitoring", theme, size)

    panel = frame.locator("section#anomalies")
    # The seeded volume alert's row. (The stack's own 15-minute monitor may also judge the seeded fields and
    # raise a schema-drift alert of this tenant: a row of its own, not this one.)
    row = panel.locator("table.anomalies tbody tr").filter(has_text=COMPANY).filter(has_text="Volume per sync")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("invoices")
    expect(row).to_contain_text(f"{DROP} vs ")
    no_sideways_scroll(frame, f"the dashboard at {size[0]} px")
    panel.screenshot(path=str(SHOTS / f"dashboard-panel-{size[0]}-{theme}.png"))

    row.get_by_role("link", name=COMPANY).click()
    expect(frame.get_by_role("heading", level=1)).to_contain_text(f"{COMPANY} (integration, tenant {TENANT_ID})")
    expect(frame.locator("html")).to_have_attribute("data-theme", theme)
    invoices = frame.locator("#volume-invoices")
    chart = invoices.locator("svg.band-chart").first
    expect(chart).to_be_visible()
    assert chart.locator(".band").count() >= 1  # the expected band, drawn
    expect(chart.locator("circle.outside")).to_have_count(1)  # the drop, and only it
    assert "1 out of band" in (chart.get_attribute("aria-label") or "")
    # The outside point is in the failed colour of the theme, not the line's.
    fill = chart.locator("circle.outside").evaluate("el => getComputedStyle(el).fill")
    assert fill == ("rgb(248, 113, 113)" if theme == "dark" else "rgb(220, 38, 38)"), fill
    expect(frame.locator("#volume-customers")).to_contain_text("Not enough history yet")
    expect(frame.locator("#source-schema tr.changed")).to_have_count(2)
    no_sideways_scroll(frame, f"the tenant page at {size[0]} px")
    frame.locator("section#volume").screenshot(path=str(SHOTS / f"tenant-volume-{size[0]}-{theme}.png"))
    frame.locator("section#source-schema").screenshot(path=str(SHOTS / f"tenant-schema-{size[0]}-{theme}.png"))
    assert console_errors.messages == []
