"""The data docs load nothing from the internet once localized: a real GX site, built once for the module."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servicetitan_pipeline.data_quality import offline_docs
from servicetitan_pipeline.data_quality.locations import data_docs_dir
from servicetitan_pipeline.data_quality.offline_docs import URL_MAP, localize_data_docs, localize_html

# A dot in a suite name nests its pages one folder deeper: validations/demo/orders/<run>/<time>/<batch>.html.
SUITE = "demo.orders"

_TAG = re.compile(r"<(script|link|img)\b[^>]*>", re.IGNORECASE)
_URL_ATTR = re.compile(r"""(?<![\w-])(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)["']?\s*\)""", re.IGNORECASE)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A GX file project with a suite and one stored validation, its docs built: the pristine site."""
    import great_expectations as gx
    import pandas as pd
    from great_expectations.core.run_identifier import RunIdentifier

    root = tmp_path_factory.mktemp("gx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICETITAN_GX_DIR", str(root))
        patch.setenv("GX_ANALYTICS_ENABLED", "false")
        context = gx.get_context(mode="file", project_root_dir=str(root))
        batch = (
            context.data_sources.add_pandas(name="demo")
            .add_dataframe_asset(name="orders")
            .add_batch_definition_whole_dataframe("all")
        )
        expectations: Any = gx.expectations
        suite = context.suites.add(
            gx.ExpectationSuite(
                name=SUITE,
                expectations=[
                    expectations.ExpectColumnValuesToNotBeNull(column="id"),
                    expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
                ],
            )
        )
        validation = context.validation_definitions.add(gx.ValidationDefinition(name="orders", data=batch, suite=suite))
        frame = pd.DataFrame({"id": [1, 2, None], "amount": [5.0, -1.0, 3.0]})
        validation.run(batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name="nightly run"))
        context.build_data_docs()
        site = data_docs_dir()
        yield site


@pytest.fixture
def site(built_site: Path, tmp_path: Path) -> Path:
    """A fresh copy of the built site, for one test to change."""
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    return copy


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _validation_page(site: Path) -> Path:
    [page] = (site / "validations").rglob("*.html")
    return page


def _resource_urls(html: str) -> list[str]:
    """The URLs a page loads by itself: script, stylesheet and image sources, and CSS url()s."""
    urls = [url for tag in _TAG.finditer(html) for url in _URL_ATTR.findall(tag[0])]
    return urls + _CSS_URL.findall(html)


def test_the_built_site_loads_from_cdns(built_site: Path) -> None:
    # What this module is for; if GX stops using CDNs the table needs a look.
    html = (built_site / "index.html").read_text()
    assert any(url.startswith("https://") for url in _resource_urls(html))
    assert len(_validation_page(built_site).relative_to(built_site).parts) == 6


def test_localized_site_loads_nothing_from_the_internet(site: Path) -> None:
    pages = _pages(site)
    assert {page.relative_to(site).parts[0] for page in pages} == {"index.html", "expectations", "validations"}

    assert localize_data_docs(site) == len(pages)

    targets = set(URL_MAP.values())

    for page in pages:
        urls = _resource_urls(page.read_text())
        for url in urls:
            assert not re.match(r"(?:https?:)?//", url), f"{page.relative_to(site)} loads {url}"
        # GX's own links are its business (a validation page's favicon link is one folder short, in GX 1.24).
        rewritten = [url for url in urls if url.lstrip("./") in targets]
        assert {url.lstrip("./") for url in rewritten} == targets, page.relative_to(site)
        for url in rewritten:
            target = (page.parent / url).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: {url} does not resolve"
            assert target == (site / url.lstrip("./")).resolve(), f"{page.relative_to(site)}: {url} has wrong depth"
    for local in targets:
        assert (site / local).is_file(), local
    html = (site / "index.html").read_text()
    assert "integrity=" not in html
    assert "crossorigin" not in html


def test_font_awesome_finds_its_fonts(site: Path) -> None:
    localize_data_docs(site)
    css = site / URL_MAP["https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css"]
    fonts = {url for url in _CSS_URL.findall(css.read_text()) if url.endswith(".woff2")}
    assert len(fonts) == 4
    for font in fonts:
        assert (css.parent / font).is_file(), font


def test_a_nested_page_climbs_to_the_site_root(site: Path) -> None:
    page = _validation_page(site)
    relative = page.relative_to(site).as_posix()

    assert localize_data_docs(site, [relative]) == 1

    html = page.read_text()
    assert 'src="../../../../../static/vendor/jquery-3.7.1/jquery.min.js"' in html
    assert "../../../../../static/images/logo-long.png" in html
    # Only the named page changed.
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in (site / "index.html").read_text()
    assert 'src="static/vendor/jquery-3.7.1/jquery.min.js"' not in (site / "index.html").read_text()


def test_every_page_declares_its_language_once(site: Path) -> None:
    localize_data_docs(site)
    for page in site.rglob("*.html"):
        opening = re.search(r"<html[^>]*>", page.read_text(), re.IGNORECASE)
        assert opening is not None, page
        assert opening[0].count("lang=") == 1, (page, opening[0])
    assert localize_html('<html lang="de"><body></body></html>', depth=0) == '<html lang="de"><body></body></html>'


def test_second_run_changes_nothing(site: Path) -> None:
    assert localize_data_docs(site) > 0
    before = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in site.rglob("*") if path.is_file()}

    assert localize_data_docs(site) == 0

    after = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in site.rglob("*") if path.is_file()}
    assert after == before


def test_changed_vendored_file_is_restored(site: Path) -> None:
    localize_data_docs(site)
    jquery = site / "static/vendor/jquery-3.7.1/jquery.min.js"
    jquery.write_text("tampered")

    assert localize_data_docs(site) == 0

    assert jquery.read_bytes() == (offline_docs.ASSETS_DIR / "jquery-3.7.1/jquery.min.js").read_bytes()
    assert not list(jquery.parent.glob(".*.tmp"))


def test_unknown_cdn_is_kept_and_warned_once(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    offline_docs.reset_warnings()
    unknown = "https://cdn.example.com/lib.js"
    for name in ("index.html", "expectations/demo/orders.html"):
        page = site / name
        page.write_text(page.read_text().replace("</head>", f'<script src="{unknown}"></script></head>', 1))

    with caplog.at_level(logging.WARNING, logger=offline_docs.__name__):
        localize_data_docs(site)

    assert unknown in (site / "index.html").read_text()
    assert len([record for record in caplog.records if unknown in record.getMessage()]) == 1


def test_missing_page_is_skipped(site: Path) -> None:
    assert localize_data_docs(site, ["validations/nope.html"]) == 0


def test_gx_page_is_tidied() -> None:
    from servicetitan_pipeline.data_quality.offline_docs import SUCCESS_PERCENT_LABEL, tidy_gx_page

    page = (
        '<html><head><title>x</title></head><body><nav class="navbar navbar-expand-md sticky-top border-bottom">'
        '</nav><p class="mb-0 mt-1"><span class="h6">Expectation Suite:</span> <a href="#">invoices</a>\n'
        ' Data asset: None\n <span class="h6">Status:</span> ok</p>'
        "<table><tr><td>Success Percent</td><td>7.14%</td></tr></table>"
        '\n<footer>\n  <p>Stay current on everything GX with our newsletter <a href="https://greatexpectations.io/'
        'newsletter">Subscribe</a></p>\n</footer>\n</body></html>'
    )
    tidied = tidy_gx_page(page)
    assert "Subscribe" not in tidied
    assert "newsletter" not in tidied
    assert "Data asset" not in tidied
    assert "Status:" in tidied
    assert f"<td>{SUCCESS_PERCENT_LABEL}</td><td>7.14%</td>" in tidied
    assert "nav.navbar.sticky-top{position:static}" in tidied
    assert tidy_gx_page(tidied) == tidied


def test_every_page_follows_airflows_theme_not_only_the_systems(site: Path) -> None:
    # GX's dark stylesheet follows the OS alone; the class-based build replaces it, and the monitoring pages'
    # theme script (copied into the site, as served) sets its class from Airflow's choice.
    from servicetitan_pipeline.data_quality.offline_docs import THEME_SCRIPT, THEME_SCRIPT_PATH

    localize_data_docs(site)
    assert (site / THEME_SCRIPT_PATH).read_bytes() == THEME_SCRIPT.read_bytes()
    assert "bootstrap-dark" in THEME_SCRIPT.read_text()
    for page in _pages(site):
        html = page.read_text()
        assert "prefers-dark" not in html, page.relative_to(site)
        [toggle] = [url for url in _resource_urls(html) if url.endswith("toggle-bootstrap-dark.min.css")]
        [script] = [url for url in _resource_urls(html) if url.endswith(THEME_SCRIPT_PATH.as_posix())]
        for url in (toggle, script):
            assert (page.parent / url).resolve().is_file(), f"{page.relative_to(site)}: {url}"
        assert html.count(THEME_SCRIPT_PATH.as_posix()) == 1
        assert html.index(THEME_SCRIPT_PATH.as_posix()) < html.index("</head>")
    assert localize_data_docs(site) == 0  # idempotent: no second script
