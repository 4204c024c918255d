"""Airflow's long-running services against the local stack: the api-server (UI and
REST API), the scheduler and the DAG processor, on 127.0.0.1 only.

``airflow standalone`` would also start the scheduler's and triggerer's log servers,
which bind every interface; here the scheduler runs without its log server (the
api-server reads the task logs from the shared local folder) and no triggerer runs
(no task of these DAGs defers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sparkify_lab.airflow_env import airflow_environment
from sparkify_lab.runner import AIRFLOW, ensure_metadata_db
from sparkify_lab.stack import LocalStack

COMMANDS = {
    "api-server": [AIRFLOW, "api-server"],
    # Its LocalExecutor forks the tasks: see sparkify_lab.preloaded_airflow.
    "scheduler": [sys.executable, "-m", "sparkify_lab.preloaded_airflow", "scheduler", "--skip-serve-logs"],
    "dag-processor": [AIRFLOW, "dag-processor"],
}


class AirflowServices:
    """The services ``names`` started on entry, stopped on exit; their output goes to ``log``.

    :param port: the api-server's port (UI at http://127.0.0.1:<port>/)
    :param settings: more Airflow settings (``AIRFLOW__SECTION__KEY``) for these services
    """

    def __init__(
        self,
        stack: LocalStack,
        port: int,
        log: Path,
        names: tuple[str, ...] = tuple(COMMANDS),
        settings: dict[str, str] | None = None,
    ) -> None:
        self.stack = stack
        self.port = port
        self.log_path = log
        self.names = names
        self.settings = settings or {}
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> AirflowServices:
        ensure_metadata_db(self.stack)
        env = {
            **airflow_environment(self.stack),
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            **self.settings,
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        for name in self.names:
            self.processes.append(
                subprocess.Popen(COMMANDS[name], env=env, stdout=self._log, stderr=subprocess.STDOUT)
            )
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        self._log.close()
