"""The wheel, as a deployment gets it: built from the project, installed non-editable with the runtime lock into a
clean virtualenv, and run from outside the repository. It migrates an empty database, registers its plugin and
connection type with Airflow from an empty plugins folder, carries none of the dev tooling, and declares every
distribution it imports."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from servicetitan_devtools.database import project_table_names

pytestmark = [pytest.mark.slow, pytest.mark.isolated]

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"
DEV_MODULE_WORDS = ("sandbox", "devtools", "demo", "embedded_postgres", "slack_receiver", "local_airflow", "dev_run")

# Run by the installed interpreter: every top-level module the installed package imports, with the distributions
# that provide it, and the package's Requires-Dist and those of Airflow's meta-package.
IMPORT_SCAN = """
import ast, importlib.metadata as md, json, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

dist = md.distribution("servicetitan-pipeline")
imported = {}
for file in dist.files or ():
    if file.suffix != ".py":
        continue
    for node in ast.walk(ast.parse(file.locate().read_text(), str(file))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            imported.setdefault(name.partition(".")[0], str(file))
providers = md.packages_distributions()
def requires(name):
    return sorted({canonicalize_name(Requirement(r).name) for r in md.requires(name) or () if "extra ==" not in r})
print(json.dumps({
    "modules": {
        top: {"file": file, "distributions": sorted({canonicalize_name(d) for d in providers.get(top, ())})}
        for top, file in imported.items()
        if top not in sys.stdlib_module_names and top != "servicetitan_pipeline"
    },
    "requires": requires("servicetitan-pipeline"),
    "airflow_requires": requires("apache-airflow"),
}))
"""


@dataclass(frozen=True)
class Installed:
    venv: Path
    workdir: Path
    env: dict[str, str]
    database_url: sa.URL

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.venv / "bin" / command[0]), *command[1:]],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result


@pytest.fixture(scope="module")
def throwaway_database(engine: Engine) -> Iterator[sa.URL]:
    """An empty database of its own on the test session's PostgreSQL server, dropped afterwards."""
    name = f"wheel_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield engine.url.set(database=name)
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, throwaway_database: sa.URL) -> Installed:
    """The wheel and the runtime lock in a fresh virtualenv; a fresh Airflow home and empty plugins and DAG folders,
    in a working directory outside the repository; no PYTHONPATH."""
    base = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    # The sdist, then the wheel from it (uv build's default): what was left in build/ cannot slip in.
    subprocess.run([str(UV), "build", "--quiet", "--out-dir", str(base / "dist"), str(ROOT)], check=True)
    built = time.monotonic()
    (wheel,) = (base / "dist").glob("servicetitan_pipeline-*.whl")
    venv = base / "venv"
    subprocess.run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    install = [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    subprocess.run([*install, "-r", str(ROOT / "requirements.txt"), str(wheel)], check=True)
    print(f"\nwheel built in {built - started:.1f} s, installed in {time.monotonic() - built:.1f} s")
    workdir, home, plugins, dags = (base / name for name in ("work", "airflow-home", "plugins", "dags"))
    for folder in (workdir, home, plugins, dags):
        folder.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_SERVICETITAN_DB": throwaway_database.set(drivername="postgresql").render_as_string(
            hide_password=False
        ),
    }
    return Installed(venv, workdir, env, throwaway_database)


def test_the_package_runs_from_the_virtualenv_not_the_checkout(installed: Installed) -> None:
    assert "PYTHONPATH" not in installed.env
    assert not installed.workdir.is_relative_to(ROOT)
    assert not installed.venv.is_relative_to(ROOT)
    where = installed.run("python", "-c", "import servicetitan_pipeline, sys; print(servicetitan_pipeline.__file__)")
    site_packages = installed.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert Path(where.stdout.strip()).is_relative_to(site_packages / "site-packages")
    assert not list((site_packages / "site-packages").glob("*.pth")), "an editable install or path hook"


def test_db_upgrade_migrates_an_empty_database(installed: Installed, engine: Engine) -> None:
    answer = installed.run("servicetitan", "db", "upgrade")
    assert "revision none ->" in answer.stdout

    def relations(url: sa.URL) -> tuple[set[str], set[str]]:
        inspector_engine = sa.create_engine(url)
        try:
            inspector = sa.inspect(inspector_engine)
            return set(inspector.get_table_names()), set(inspector.get_view_names())
        finally:
            inspector_engine.dispose()

    tables, views = relations(installed.database_url)
    assert set(project_table_names()) <= tables
    dashboard = {"sync_daily", "credential_health", "api_performance", "data_quality"}
    assert {f"servicetitan_dashboard_{name}" for name in dashboard} <= views
    # The same schema as the checkout's migrations give the test database.
    assert (tables, views) == relations(engine.url)


def test_airflow_lists_the_plugin_from_an_empty_plugins_folder(installed: Installed) -> None:
    assert not any(Path(installed.env["AIRFLOW__CORE__PLUGINS_FOLDER"]).iterdir())
    plugins = json.loads(installed.run("airflow", "plugins", "--output", "json").stdout)
    assert "servicetitan" in {plugin["name"] for plugin in plugins}


def test_airflow_registers_the_servicetitan_connection_type(installed: Installed) -> None:
    hooks = json.loads(installed.run("airflow", "providers", "hooks", "--output", "json").stdout)
    (servicetitan,) = [hook for hook in hooks if hook["connection_type"] == "servicetitan"]
    assert servicetitan["package_name"] == "servicetitan-pipeline"
    assert servicetitan["class"] == "servicetitan_pipeline.servicetitan.hook.ServiceTitanHook"


def test_no_dev_tooling_is_installed(installed: Installed) -> None:
    files = installed.run(
        "python",
        "-c",
        "import importlib.metadata as md; print('\\n'.join(str(f) for f in md.files('servicetitan-pipeline')))",
    ).stdout.split()
    modules = [name for name in files if name.endswith(".py")]
    assert modules, "the distribution lists no modules"
    assert all(name.startswith("servicetitan_pipeline/") for name in modules)
    assert not [name for name in modules if any(word in name for word in DEV_MODULE_WORDS)]
    dev_packages = "('servicetitan_sandbox', 'servicetitan_devtools')"
    found = installed.run(
        "python", "-c", f"import importlib.util as u; print([n for n in {dev_packages} if u.find_spec(n)])"
    )
    assert found.stdout.strip() == "[]"


def test_the_command_has_no_dev_groups(installed: Installed) -> None:
    usage = installed.run("servicetitan", "--help").stdout
    # A command's line is indented by four spaces; its wrapped help, further.
    listed = usage.partition("COMMAND\n")[2].splitlines()
    commands = {line.split()[0] for line in listed if line.startswith("    ") and not line.startswith("     ")}
    assert {"db", "credentials", "health", "alerts", "data-quality"} <= commands
    assert not {"sandbox", "demo", "dev"} & commands


def test_every_imported_distribution_is_declared(installed: Installed) -> None:
    scan = json.loads(installed.run("python", "-c", IMPORT_SCAN).stdout)
    requires, airflow_requires = set(scan["requires"]), set(scan["airflow_requires"])
    assert "apache-airflow" in requires
    undeclared = {
        module: found
        for module, found in scan["modules"].items()
        # Airflow's modules come from the distributions its meta-package (the one declared) requires.
        if not set(found["distributions"]) & (requires | (airflow_requires if module == "airflow" else set()))
    }
    assert not undeclared, f"imported but not in Requires-Dist: {undeclared}"
