"""No credential in the repository: detect-secrets (Yelp's scanner, pinned in
requirements.txt) over every tracked file. A deliberate stand-in value (moto's key
pair, a test password) carries an inline ``pragma: allowlist secret`` with its reason."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DETECT_SECRETS = str(Path(sys.executable).with_name("detect-secrets"))


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout: nothing tells tracked files from local state")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name and (PROJECT / name).is_file()]


def scan(files: list[str], cwd: Path) -> dict:
    result = subprocess.run([DETECT_SECRETS, "scan", *files], cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["results"]


def test_no_tracked_file_holds_a_secret():
    findings = scan(tracked_files(), PROJECT)

    assert findings == {}, "\n".join(
        f"{path}:{hit['line_number']}: {hit['type']}" for path, hits in findings.items() for hit in hits
    )


def test_the_scan_finds_a_planted_credential(tmp_path):
    # The scan above passes because nothing is there, not because it cannot see.
    planted = tmp_path / "settings.py"
    # Assembled here so that this file itself holds no credential-shaped line.
    webhook = "https://hooks.slack.com/" + "services/" + "T0AAAAAAA/B0BBBBBBB/" + "c" * 24
    example_value = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzEXAMPLEKEY"
    planted.write_text(f'SLACK = "{webhook}"\naws_{"secret"}_access_key = "{example_value}"\n')

    findings = scan([planted.name], tmp_path)

    assert {hit["type"] for hit in findings[planted.name]} >= {"Slack Token", "Secret Keyword"}
