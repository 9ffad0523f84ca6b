"""Make the Great Expectations data docs work without internet access.

GX's HTML pages load jQuery, Bootstrap, bootstrap-table, Vega and Font Awesome from public CDNs and the logo
from GX's S3 bucket. Many machines that run the pipeline (and read its docs) have no internet, and there the
pages are unstyled and the index is empty: bootstrap-table builds it in the browser. So this module copies the
very files those URLs serve, vendored from the npm registry under ``data_docs_assets/`` (see its
``PROVENANCE.md``), into the site's ``static/vendor/`` and points the pages at them with relative URLs, which
work from disk (``file://``) and served under any URL prefix alike. Nothing is downloaded at run time.

GX rewrites a page each time it renders it, so call :func:`localize_data_docs` after every docs build, with
the pages that build wrote.
"""

from __future__ import annotations

import filecmp
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
"""The vendored files, copied as they are into ``<site>/static/vendor/``."""

VENDOR_DIR = PurePosixPath("static", "vendor")
"""Where the vendored files go, relative to the site root."""

_S3 = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com"

# Every external URL GX 1.x data docs load, and the file (relative to the site root) that replaces it. A URL
# matches when it equals a key once its query string and fragment are dropped: GX appends a per-build query
# (build time and data context id, usage tracking) to the logo's URL.
URL_MAP: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/vega@5": "static/vendor/vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "static/vendor/vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "static/vendor/vega-embed-6.29.0/vega-embed.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "static/vendor/jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "static/vendor/popper.js-1.12.9/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "static/vendor/bootstrap-4.3.1/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "static/vendor/bootstrap-4.3.1/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "static/vendor/bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "static/vendor/bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "static/vendor/bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    # The index page loads the minified stylesheet, the suite and validation pages the plain one.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "static/vendor/bootstrap-table-1.19.0/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "static/vendor/bootstrap-table-1.19.0/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "static/vendor/bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "static/vendor/bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css"
    ),
    # GX's dark stylesheet follows only the OS (a media query); the same package's class-based build is dark under
    # ``.bootstrap-dark``, which the theme script below sets as Airflow's colour mode says.
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "static/vendor/bootstrap-dark-1.1.0/css/toggle-bootstrap-dark.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "static/vendor/fontawesome-free-6.6.0/css/all.min.css"
    ),
    # GX copies its own images into every site; it has no dark variant of the long logo.
    f"{_S3}/logo-long.png": "static/images/logo-long.png",
    f"{_S3}/full_logo_dark.png": "static/images/logo-long.png",
}

# The monitoring pages' theme script (Airflow's light or dark mode), copied into the site so that its pages follow
# Airflow's theme too, wherever they are opened from (served by the plugin, or from disk).
THEME_SCRIPT = Path(__file__).parents[1] / "monitoring" / "static" / "theme.js"
THEME_SCRIPT_PATH = PurePosixPath("static", "servicetitan", "theme.js")

_TAG = re.compile(r"<(?P<name>script|link|img)\b(?P<attrs>[^>]*)>", re.IGNORECASE)
_URL_ATTR = re.compile(
    r"""(?P<key>(?<![\w-])(?:src|href))(?P<eq>\s*=\s*)(?P<q>["'])(?P<url>.*?)(?P=q)""", re.IGNORECASE
)
_REL_ATTR = re.compile(r"""(?<![\w-])rel\s*=\s*(?P<q>["'])(?P<rel>.*?)(?P=q)""", re.IGNORECASE)
# Subresource integrity and CORS mode: a local copy is the same file, but browsers refuse `crossorigin`
# scripts read from file:// pages, and integrity checks need CORS.
_SRI_ATTR = re.compile(r"""\s+(?:integrity|crossorigin)\b(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>/]+))?""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>(?:https?:)?//[^"')\s]+)(?P=q)\s*\)""", re.IGNORECASE)
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)

_warned: set[str] = set()


def localize_data_docs(site_dir: Path, pages: Iterable[str] | None = None) -> int:
    """Copy the vendored assets into ``site_dir`` and point ``pages`` at them; return how many pages changed.

    ``pages`` are paths relative to ``site_dir`` (``None``: every ``.html`` file of the site). Idempotent: the
    assets are copied only when missing or different, and a page is rewritten only when one of its URLs
    changes, atomically (a web server may be reading it).
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise FileNotFoundError(f"data docs site {site_dir} does not exist")
    _copy_assets(site_dir / VENDOR_DIR)
    _copy_file(THEME_SCRIPT, site_dir / THEME_SCRIPT_PATH)
    root = site_dir.resolve()
    if pages is None:
        paths = sorted(path for path in root.rglob("*.html") if path.is_file())
    else:
        paths = [(root / page).resolve() for page in pages]
    changed = 0
    for path in paths:
        relative = path.relative_to(root)  # a page outside the site is a caller's bug: ValueError
        if not path.is_file():
            logger.warning("Data docs page %s does not exist; not localized", relative.as_posix())
            continue
        text = path.read_bytes().decode("utf-8")
        localized = localize_html(text, depth=len(relative.parts) - 1, page=relative.as_posix())
        if localized != text:
            _write_atomically(path, localized.encode("utf-8"), mode=path.stat().st_mode & 0o777)
            changed += 1
    return changed


_HTML_WITHOUT_LANG = re.compile(r"<html(?![^>]*\blang=)", re.IGNORECASE)


def localize_html(html: str, *, depth: int, page: str = "<html>") -> str:
    """``html`` with the known CDN URLs replaced by relative paths, for a page ``depth`` folders below the root,
    and its language declared (GX's pages do not say it; screen readers need it)."""
    prefix = "../" * depth

    def local(url: str) -> str | None:
        target = URL_MAP.get(_normalized(url))
        return None if target is None else prefix + target

    def tag(match: re.Match[str]) -> str:
        name = match["name"].lower()
        attrs = match["attrs"]
        rewritten = False

        def attr(found: re.Match[str]) -> str:
            nonlocal rewritten
            url = found["url"].strip()
            if not _EXTERNAL.match(url):
                return found[0]
            target = local(url)
            if target is None:
                rel = _REL_ATTR.search(attrs)
                if name != "link" or (rel is not None and "stylesheet" in rel["rel"].lower().split()):
                    _warn_unknown(url, page)
                return found[0]
            rewritten = True
            return f"{found['key']}{found['eq']}{found['q']}{target}{found['q']}"

        new_attrs = _URL_ATTR.sub(attr, attrs)
        if rewritten:
            new_attrs = _SRI_ATTR.sub("", new_attrs)
        return f"<{match['name']}{new_attrs}>"

    def css_url(match: re.Match[str]) -> str:
        target = local(match["url"])
        if target is None:
            _warn_unknown(match["url"], page)
            return match[0]
        return f"url({match['q']}{target}{match['q']})"

    localized = _HTML_WITHOUT_LANG.sub('<html lang="en"', _CSS_URL.sub(css_url, _TAG.sub(tag, html)), count=1)
    if str(THEME_SCRIPT_PATH) not in localized and "</head>" in localized:
        # First in the head's end, before the page paints: no flash of the other theme.
        theme = f'<script src="{prefix}{THEME_SCRIPT_PATH}"></script>'
        localized = localized.replace("</head>", theme + "</head>", 1)
    return tidy_gx_page(localized)


# GX's newsletter footer: marketing, and a link to the internet on machines that have none.
_NEWSLETTER_FOOTER = re.compile(r"<footer>\s*<p>[^<]*newsletter.*?</footer>\s*", re.IGNORECASE | re.DOTALL)
# "Data asset: None" in a validation's overview: the pages validate in-memory frames, which have no asset name.
_NO_DATA_ASSET = re.compile(r"(?:<[^>/]*>)?Data asset:(?:</[^>]*>)?\s*(?:<[^>/]*>)?None(?:</[^>]*>)?\s*")
# GX's "Success Percent" counts expectations met; the project's score (dashboard, Slack) counts valid records.
_SUCCESS_PERCENT = re.compile(r">\s*Success Percent\s*<")
SUCCESS_PERCENT_LABEL = "Expectations met (%) &ndash; not the share of valid records, which is the project&#39;s score"
# GX's navbar is sticky (70 px) and covers the top of every table scrolled under it; left in the page's flow.
# In dark mode (theme.js's "bootstrap-dark" on <html>), what the dark Bootstrap build leaves light: GX's light
# panels (.bg-light, section headers), its links' pale grey on them, and the logo's black lettering; the page and
# its panels in the monitoring pages' dark colours (pages.css), so that the docs look of a piece with them.
_DARK = "html.bootstrap-dark"
_TIDY_STYLE = (
    '<style id="servicetitan-tidy">nav.navbar.sticky-top{position:static}.sticky{top:0}'
    f"{_DARK} body{{background-color:#111827}}{_DARK} .card{{background-color:#1f2937;border-color:#374151}}"
    f"{_DARK} .bg-light,{_DARK} .alert-secondary,{_DARK} .card-header"
    "{background-color:#1f2937!important;color:#e5e7eb;border-color:#374151}"
    f"{_DARK} a,{_DARK} .breadcrumb-item+.breadcrumb-item::before{{color:#93c5fd}}"
    f"{_DARK} .breadcrumb-item.active{{color:#d1d5db}}"
    f"{_DARK} .navbar-brand img{{background:#f8f9fa;border-radius:6px;padding:2px 4px}}"
    f"{_DARK} footer{{background:#111827}}{_DARK} #ge-cta-footer{{background:#1f3b4d!important;color:#e5e7eb}}"
    f"{_DARK} .show-scrollbars::-webkit-scrollbar-thumb{{border-color:#111827;background-color:#6b7280}}"
    "</style>"
)


def tidy_gx_page(html: str) -> str:
    """GX's page without its newsletter footer, its "Data asset: None" and its sticky navbar, and with its
    Success Percent said to be a share of expectations. Idempotent."""
    html = _NEWSLETTER_FOOTER.sub("", html)
    html = _NO_DATA_ASSET.sub("", html)
    html = _SUCCESS_PERCENT.sub(f">{SUCCESS_PERCENT_LABEL}<", html)
    if "servicetitan-tidy" not in html and "</head>" in html:
        html = html.replace("</head>", _TIDY_STYLE + "</head>", 1)
    return html


def _normalized(url: str) -> str:
    url = url.split("#", 1)[0].split("?", 1)[0]
    if url.startswith("//"):
        return "https:" + url
    if url[:7].lower() == "http://":
        return "https://" + url[7:]
    return url


def reset_warnings() -> None:
    """Warn again about URLs already warned about. Each unknown URL is warned about once per process, so that a
    worker's log is not filled with the same line; a test of that warning starts from none with this."""
    _warned.clear()


def _warn_unknown(url: str, page: str) -> None:
    if url not in _warned:
        _warned.add(url)
        logger.warning("Data docs page %s loads %s, which has no local copy; it needs internet access", page, url)


def _copy_assets(destination: Path) -> None:
    for source in sorted(ASSETS_DIR.rglob("*")):
        if source.is_file():
            _copy_file(source, destination / source.relative_to(ASSETS_DIR))


def _copy_file(source: Path, target: Path) -> None:
    """``source`` to ``target`` unless already there, unchanged."""
    if target.is_file() and filecmp.cmp(source, target, shallow=False):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(target, source.read_bytes(), mode=0o644)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
