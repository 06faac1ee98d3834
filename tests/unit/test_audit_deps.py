"""scripts/audit_deps.py: an untriaged or unaudited dependency fails, a triaged one passes.

pip-audit is replaced by a tiny script printing a canned JSON report; the advisory database by a
folder of OSV files written here. No network.
"""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.config import REPO_ROOT

LOCK = "flask==2.2.0\nwaitress==3.0.2\nrequests==2.34.2\n"
FLASK_VULN = {"id": "PYSEC-2023-62", "aliases": ["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"],
              "fix_versions": ["2.2.5"], "description": "cookie"}


def _load() -> ModuleType:
    path = REPO_ROOT / "scripts" / "audit_deps.py"
    spec = importlib.util.spec_from_file_location("audit_deps", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module
    spec.loader.exec_module(module)
    return module


audit_deps = _load()


def _pip_audit(tmp_path: Path, dependencies: list[dict]) -> Path:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    script = tmp_path / "pip-audit"
    script.write_text(f"#!/bin/sh\ncat {report}\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _files(tmp_path: Path, triage: str = "") -> tuple[Path, Path]:
    lock, entries = tmp_path / "requirements.lock", tmp_path / "triage.toml"
    lock.write_text(LOCK)
    entries.write_text(triage)
    return lock, entries


def _run(tmp_path: Path, pip_audit: Path, triage: str = "", db: Path | None = None) -> int:
    lock, entries = _files(tmp_path, triage)
    argv = ["--lock", str(lock), "--triage", str(entries), "--pip-audit", str(pip_audit)]
    return int(audit_deps.main(argv + (["--advisory-db", str(db)] if db else [])))


AUDITED = [
    {"name": "flask", "version": "2.2.0", "vulns": [FLASK_VULN]},
    {"name": "waitress", "version": "3.0.2", "vulns": []},
    {"name": "requests", "version": "2.34.2", "vulns": []},
]
ACCEPT = """
[[accepted]]
id = "CVE-2023-30861"
package = "Flask"
version = "2.2.0"
reason = "no caching proxy in front of the editor"
"""


def test_an_untriaged_finding_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, _pip_audit(tmp_path, AUDITED)) == 1
    assert "UNTRIAGED  flask==2.2.0  PYSEC-2023-62" in capsys.readouterr().out


def test_a_finding_accepted_by_an_alias_passes(tmp_path: Path) -> None:
    assert _run(tmp_path, _pip_audit(tmp_path, AUDITED), ACCEPT) == 0


def test_an_acceptance_is_for_the_pinned_version_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = [{**AUDITED[0], "version": "2.2.1"}, *AUDITED[1:]]
    assert _run(tmp_path, _pip_audit(tmp_path, moved), ACCEPT) == 1  # accepted 2.2.0, not 2.2.1
    capsys.readouterr()
    lock, entries = _files(tmp_path, ACCEPT)
    lock.write_text(LOCK.replace("flask==2.2.0", "flask==2.2.5"))
    clean = _pip_audit(tmp_path, [{"name": "flask", "version": "2.2.5", "vulns": []}, *AUDITED[1:]])
    args = ["--lock", str(lock), "--triage", str(entries), "--pip-audit", str(clean)]
    assert audit_deps.main(args) == 1
    assert "STALE      triage entry CVE-2023-30861 (Flask 2.2.0)" in capsys.readouterr().out


def test_a_triage_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reason"):
        _run(tmp_path, _pip_audit(tmp_path, AUDITED), ACCEPT.replace(
            'reason = "no caching proxy in front of the editor"', 'reason = " "'))


def test_pins_pip_audit_could_not_look_up_fail_unless_audited_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skipped = [{"name": d["name"], "skip_reason": f"Dependency not found on PyPI: {d['name']}"}
               for d in AUDITED]
    pip_audit = _pip_audit(tmp_path, skipped)
    assert _run(tmp_path, pip_audit, ACCEPT) == 1
    assert "NOT AUDITED 3 pins" in capsys.readouterr().out
    database = tmp_path / "advisory-db"
    (database / "vulns" / "flask").mkdir(parents=True)
    (database / "vulns" / "flask" / "PYSEC-2023-62.yaml").write_text(
        "id: PYSEC-2023-62\naliases: [CVE-2023-30861]\naffected:\n- package: {name: flask}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: '0'}, {fixed: 2.2.5}]\n"
    )
    assert _run(tmp_path, pip_audit, "", database) == 1  # found offline, untriaged
    assert "UNTRIAGED  flask==2.2.0  PYSEC-2023-62" in capsys.readouterr().out
    assert _run(tmp_path, pip_audit, ACCEPT, database) == 0


@pytest.mark.parametrize(("version", "hit"), [
    ("0.9", False), ("1.0", True), ("1.4.9", True), ("1.5", False), ("2.0", True), ("2.1", True),
])
def test_osv_ranges(version: str, hit: bool) -> None:
    advisory = {"id": "X-1", "affected": [{"package": {"name": "Some_Pkg"}, "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.5"},
                                          {"introduced": "2.0"}]},
    ]}]}
    found = audit_deps.advisory_findings(advisory, "some-pkg", version)
    assert bool(found) is hit
    if hit and version.startswith("1."):
        assert found[0].fix_versions == ("1.5",)


def test_the_committed_triage_file_is_valid() -> None:
    audit_deps.read_triage(REPO_ROOT / "security" / "pip-audit-triage.toml")
