"""Set up a working local environment for ``make run``, ``make demo`` and the tests.

Starts the embedded PostgreSQL unless the deployment names its own servers, creates the
databases, points Airflow (home, metadata database, DAG and plugin folders) at this checkout,
migrates Airflow's metadata database and the project's tables. Imports no Airflow module,
so it can run before Airflow reads its configuration.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from servicetitan_devtools.embedded_postgres import DEFAULT_PORT, EmbeddedPostgres


def _project_root() -> Path:
    """The repository this tooling is installed from (editable, by `make setup`): the Astro project's top."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "airflow_settings.yaml").is_file() and (folder / "dags").is_dir():
            return folder
    return Path.cwd()


PROJECT_ROOT = _project_root()
PROFILES = ("local", "test", "bench", "celery", "browser", "tenants")


@dataclass(frozen=True)
class DevEnvironment:
    profile: str = "local"
    root: Path = PROJECT_ROOT

    @property
    def airflow_home(self) -> Path:
        return self.root / ".airflow" / self.profile

    @property
    def embedded_postgres(self) -> EmbeddedPostgres:
        data_dir = self.root / ".local" / "postgres"
        return EmbeddedPostgres(data_dir, port=_embedded_port(data_dir))

    def _database_name(self, kind: str) -> str:
        return kind if self.profile == "local" else f"{kind}_{self.profile}"

    def environment(self) -> dict[str, str]:
        """Start what is needed and return the environment variables that describe it."""
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}: use one of {', '.join(PROFILES)}")
        env: dict[str, str] = {
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.root / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.root / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": os.environ.get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": os.environ.get(
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.airflow_home / "passwords.json"),
            "AIRFLOW__API__PORT": os.environ.get("AIRFLOW__API__PORT", "8080"),
        }
        # Tasks reach the API server here: on its port, whichever that is.
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = os.environ.get(
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://localhost:{env['AIRFLOW__API__PORT']}/execution/"
        )
        metadata_url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
        project_db = os.environ.get("AIRFLOW_CONN_SERVICETITAN_DB")
        if not metadata_url or not project_db:
            server = self.embedded_postgres
            server.start()
            if not metadata_url:
                database = self._database_name("airflow")
                server.create_database(database)
                metadata_url = server.url(database).replace("postgresql://", "postgresql+psycopg2://", 1)
            if not project_db:
                database = self._database_name("servicetitan")
                server.create_database(database)
                project_db = server.url(database)
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata_url
        env["AIRFLOW_CONN_SERVICETITAN_DB"] = project_db
        self.airflow_home.mkdir(parents=True, exist_ok=True)
        self._write_local_login()
        return env

    def _write_local_login(self) -> None:
        """Local Airflow logs in as admin / admin (Airflow would otherwise generate a password)."""
        passwords = self.airflow_home / "passwords.json"
        if not passwords.exists() and "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS" not in os.environ:
            passwords.write_text('{"admin": "admin"}')

    def prepare(self) -> dict[str, str]:
        """``environment()`` plus migrations; also exports the variables into this process."""
        env = self.environment()
        os.environ.update(env)
        self._migrate_airflow(env)
        bin_dir = Path(sys.executable).parent
        # Progress goes to stderr: stdout of `servicetitan dev env` is evaluated by the shell.
        subprocess.run(
            [str(bin_dir / "servicetitan"), "db", "upgrade", "--quiet"], env=os.environ, check=True, stdout=sys.stderr
        )
        return env

    def _migrate_airflow(self, env: dict[str, str]) -> None:
        # `airflow db migrate` takes seconds even when there is nothing to do: remember what was migrated.
        import importlib.metadata

        marker = self.airflow_home / ".migrated"
        metadata_url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        stamp = (
            f"{importlib.metadata.version('apache-airflow')} {metadata_url} {_airflow_schema_revision(metadata_url)}"
        )
        if marker.exists() and marker.read_text() == stamp:
            return
        bin_dir = Path(sys.executable).parent
        result = subprocess.run(
            [str(bin_dir / "airflow"), "db", "migrate"], env=os.environ, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        stamp = (
            f"{importlib.metadata.version('apache-airflow')} {metadata_url} {_airflow_schema_revision(metadata_url)}"
        )
        marker.write_text(stamp)


def _airflow_schema_revision(sqlalchemy_url: str) -> str | None:
    """The revision in Airflow's ``alembic_version`` table, or None when the schema is not there."""
    import psycopg
    from sqlalchemy.engine import make_url

    from servicetitan_pipeline.db.engine import psycopg_conninfo

    url = make_url(sqlalchemy_url)
    if not url.drivername.startswith("postgresql"):
        return None
    try:
        with psycopg.connect(psycopg_conninfo(url)) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def _embedded_port(data_dir: Path) -> int:
    """The embedded server's port: chosen once per checkout and kept, so that two checkouts on one
    machine (a developer's and CI's) each get their own server."""
    if "SERVICETITAN_EMBEDDED_PG_PORT" in os.environ:
        return int(os.environ["SERVICETITAN_EMBEDDED_PG_PORT"])
    port_file = data_dir / "port"
    if port_file.exists():
        return int(port_file.read_text())
    start = DEFAULT_PORT + zlib.crc32(str(data_dir).encode()) % 400
    port = next(candidate for candidate in range(start, start + 200) if _port_is_free(candidate))
    data_dir.mkdir(parents=True, exist_ok=True)
    port_file.write_text(str(port))
    return port


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def shell_exports(env: dict[str, str]) -> str:
    import shlex

    return "\n".join(f"export {key}={shlex.quote(value)}" for key, value in sorted(env.items()))
