"""`kpp run` and `kpp status` say what is true: a missing delivery or data root, a milestone done late, exit codes."""

from __future__ import annotations

import re
import shutil

from orchestration.cli import EXIT_BAD_USAGE, main
from orchestration.status import EXIT_LATE


def test_run_without_a_delivery_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    typo = tmp_path / "typo"
    assert main(["run", "2024", "--data-root", str(typo)]) == EXIT_BAD_USAGE
    assert not typo.exists() and not (tmp_path / "home").exists()
    assert f"{typo}/landing/2024 does not exist" in capsys.readouterr().err
    # a data root that exists, without the period's folder: left as it was
    (tmp_path / "root" / "landing" / "2025").mkdir(parents=True)
    assert main(["run", "2024", "--data-root", str(tmp_path / "root")]) == EXIT_BAD_USAGE
    assert [p.name for p in (tmp_path / "root").iterdir()] == ["landing"]


def test_status_of_a_missing_data_root(tmp_path, capsys):
    assert main(["status", "--data-root", str(tmp_path / "typo")]) == EXIT_BAD_USAGE
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


def test_status_of_the_example_run(example_run, tmp_path, monkeypatch, capsys):
    """The worked example ran today, after the 2025 cycle's dates: its milestones are done late, nothing is late."""
    home = tmp_path / "dagster_home"
    shutil.copytree(example_run.root / "dagster_home", home)
    for name, value in {"DAGSTER_HOME": home, "KPP_DATA_ROOT": example_run.root,
                        "KPP_FIRST_YEAR": 2025, "KPP_LAST_YEAR": 2026}.items():
        monkeypatch.setenv(name, str(value))
    args = ["status", "--data-root", str(example_run.root), "--date", "2026-11-30", "--partition", "2025"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count(" done late ") == 9 and "Nothing is late." in out
    assert "step 2 (allocation): " in out and "gates passed" in out
    assert not re.search(r"\b(int|stg)_\w+|intermediate/|marts/|staging/", out)  # no internal model names
    # a cycle with nothing run yet, after its dates: late, and the exit code says so
    assert main([*args, "--partition", "2026-H1"]) == EXIT_LATE
    out = capsys.readouterr().out
    assert " LATE " in out and "not yet:" in out and "Late or failed: 2026-H1 " in out
