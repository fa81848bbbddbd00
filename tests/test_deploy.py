"""Production settings pass Django's deployment checklist without a warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean(tmp_path):  # type: ignore[no-untyped-def]
    # as on a server: the test-only DJANGO_ALLOW_ASYNC_UNSAFE (set for Playwright) is not there
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "msoko.production_settings",
        "MSOKO_SECRET_KEY": "x" * 20 + "-production-secret-key-that-is-long-and-random-9f8e7d6c",
        "MSOKO_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues (0 silenced)." in out.stdout + out.stderr


def test_production_settings_refuse_to_start_without_a_secret(tmp_path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k != "MSOKO_SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "msoko.production_settings", "MSOKO_DATA_DIR": str(tmp_path)})
    out = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode != 0
    assert "MSOKO_SECRET_KEY" in out.stderr


def test_cli_entry_point_runs(tmp_path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "MSOKO_DATA_DIR": str(tmp_path)}
    for cmd in ([sys.executable, "-m", "msoko", "help"], [str(Path(sys.executable).parent / "msoko"), "help"]):
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
        assert "serve" in out.stdout
