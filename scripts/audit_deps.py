"""Audit requirements.lock for known vulnerabilities; fail on an untriaged one.

``make audit`` (part of ``make test``) runs this with the project's Python::

    .venv/bin/python scripts/audit_deps.py [--lock requirements.lock]
        [--triage security/pip-audit-triage.toml] [--advisory-db DIR]

1. ``pip-audit -r requirements.lock --no-deps --disable-pip -s pypi -f json`` from its own
   virtualenv (``build/audit-venv``, pinned by ``security/requirements-audit.lock``: pip-audit
   needs ``packaging>=23``, which Rasa 3.6 cannot share a venv with).
2. A pin pip-audit could not look up (no network to PyPI's JSON API, or a mirror without it) is
   *not audited*. With ``--advisory-db`` (or ``ADVISORY_DB``: a folder holding a copy of
   github.com/pypa/advisory-database, the OSV data behind PyPI's own answers), those pins are
   matched against it here instead; otherwise the audit fails: silence is not a clean bill.
3. Every finding must be triaged in ``security/pip-audit-triage.toml`` (accepted with a reason,
   for the pinned version); an untriaged finding, an unaudited pin, or a triage entry whose
   version is no longer pinned fails with exit code 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli
import yaml  # type: ignore[import-untyped]  # no types-PyYAML in the lock
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
AUDIT_VENV = ROOT / "build" / "audit-venv"


@dataclass(frozen=True)
class Finding:
    """One advisory that applies to one pinned package version."""

    package: str
    version: str
    id: str
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()

    @property
    def names(self) -> set[str]:
        """The advisory's id and every alias (PYSEC, GHSA, CVE…)."""
        return {self.id, *self.aliases}


@dataclass
class Audit:
    """What an audit found, and which pins it could not look up."""

    findings: list[Finding] = field(default_factory=list)
    unaudited: dict[str, str] = field(default_factory=dict)  # package → why
    source: str = "pip-audit"


def normalize(name: str) -> str:
    """PEP 503 name: lower case, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(lock: Path) -> dict[str, str]:
    """``name==version`` lines of a lock file, by normalized name."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[normalize(name.split("[", 1)[0])] = version.strip()
    return pins


# --- pip-audit -------------------------------------------------------------------------------


def run_pip_audit(lock: Path, pip_audit: Path) -> dict[str, Any]:
    """pip-audit's JSON report over ``lock`` (exit code 1 just means "found something")."""
    command = [str(pip_audit), "-r", str(lock), "--no-deps", "--disable-pip", "-s", "pypi",
               "-f", "json", "--progress-spinner", "off"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    try:
        return dict(json.loads(result.stdout))
    except json.JSONDecodeError:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"dependencies": [], "error": detail}


def parse_pip_audit(report: Mapping[str, Any], pins: Mapping[str, str]) -> Audit:
    """Findings and unaudited pins of a pip-audit JSON report."""
    audit = Audit()
    if report.get("error"):
        audit.unaudited = {name: f"pip-audit failed: {report['error']}" for name in pins}
        return audit
    for dependency in report.get("dependencies", []):
        name = normalize(dependency["name"])
        if "skip_reason" in dependency:
            audit.unaudited[name] = dependency["skip_reason"]
            continue
        for vuln in dependency.get("vulns", []):
            audit.findings.append(Finding(name, dependency["version"], vuln["id"],
                                          tuple(vuln.get("aliases", ())),
                                          tuple(vuln.get("fix_versions", ()))))
    return audit


# --- a local copy of pypa/advisory-database (OSV) ------------------------------------------


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_ranges(version: Version, ranges: Iterable[Mapping[str, Any]]) -> bool:
    for entry in ranges:
        if entry.get("type") != "ECOSYSTEM":
            continue
        introduced: Version | None = None
        for event in entry.get("events", []):
            if "introduced" in event:
                introduced = _version(str(event["introduced"])) or Version("0")
            bound = event.get("fixed") or event.get("last_affected")
            if bound is not None and introduced is not None:
                limit = _version(str(bound))
                below = limit is None or (
                    version < limit if "fixed" in event else version <= limit)
                if introduced <= version and below:
                    return True
                introduced = None
        if introduced is not None and introduced <= version:
            return True  # introduced and never fixed
    return False


def _fixes(ranges: Iterable[Mapping[str, Any]], version: Version) -> tuple[str, ...]:
    fixed = (str(e["fixed"]) for r in ranges if r.get("type") == "ECOSYSTEM"
             for e in r.get("events", []) if "fixed" in e)
    return tuple(sorted({f for f in fixed if (_version(f) or version) > version}))


def advisory_findings(advisory: Mapping[str, Any], name: str, pinned: str) -> list[Finding]:
    """The findings ``advisory`` (OSV) makes for ``name==pinned``."""
    version = _version(pinned)
    if advisory.get("withdrawn") or version is None:
        return []
    found = []
    for affected in advisory.get("affected", []):
        if normalize(affected.get("package", {}).get("name", "")) != name:
            continue
        ranges = affected.get("ranges", [])
        listed = pinned in {str(v) for v in affected.get("versions", [])}
        if listed or _in_ranges(version, ranges):
            found.append(Finding(name, pinned, str(advisory["id"]),
                                 tuple(advisory.get("aliases") or ()), _fixes(ranges, version)))
    return found


def audit_with_database(database: Path, pins: Mapping[str, str]) -> Audit:
    """Match ``pins`` against an advisory-database folder (``vulns/<package>/*.yaml``)."""
    audit = Audit(source=f"advisory database {database}")
    folders = {normalize(p.name): p for p in (database / "vulns").iterdir() if p.is_dir()}
    for name, pinned in sorted(pins.items()):
        for path in sorted(folders[name].glob("*.yaml")) if name in folders else []:
            advisory = yaml.safe_load(path.read_text(encoding="utf-8"))
            audit.findings.extend(advisory_findings(advisory, name, pinned))
    return audit


# --- triage ----------------------------------------------------------------------------------


def read_triage(path: Path) -> list[dict[str, Any]]:
    """The ``[[accepted]]`` entries: ``id``, ``package``, ``version``, ``reason``."""
    entries = list(tomli.loads(path.read_text(encoding="utf-8")).get("accepted", []))
    for entry in entries:
        missing = {"id", "package", "version", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            lacks = sorted(missing) or "a reason"
            raise ValueError(f"{path}: entry {entry.get('id', '?')} lacks {lacks}")
    return entries


def untriaged(findings: Iterable[Finding], triage: Sequence[Mapping[str, Any]]) -> list[Finding]:
    """Findings no triage entry accepts (same package, pinned version, and id or alias)."""
    def accepted(finding: Finding) -> bool:
        return any(normalize(e["package"]) == finding.package and e["version"] == finding.version
                   and e["id"] in finding.names for e in triage)

    return [finding for finding in findings if not accepted(finding)]


def stale(triage: Sequence[Mapping[str, Any]], pins: Mapping[str, str]) -> list[str]:
    """Triage entries for a version that is no longer pinned: review them again."""
    return [f"{e['id']} ({e['package']} {e['version']})" for e in triage
            if pins.get(normalize(e["package"])) != e["version"]]


# --- running ---------------------------------------------------------------------------------


def audit(lock: Path, database: Path | None, pip_audit: Path) -> Audit:
    """pip-audit first; the pins it could not look up from ``database`` if given."""
    pins = read_pins(lock)
    result = parse_pip_audit(run_pip_audit(lock, pip_audit), pins) if pip_audit.exists() else \
        Audit(unaudited={name: f"no {pip_audit}: run `make audit`" for name in pins})
    if result.unaudited and database is not None:
        rest = {name: pins[name] for name in result.unaudited if name in pins}
        offline = audit_with_database(database, rest)
        result.findings.extend(offline.findings)
        result.source += f" + {offline.source} for {len(rest)} pins pip-audit could not look up"
        result.unaudited = {}
    return result


def report(result: Audit, triage: Sequence[Mapping[str, Any]], pins: Mapping[str, str]) -> int:
    """Print the verdict; 0 only when everything was audited and every finding is triaged."""
    open_findings = untriaged(result.findings, triage)
    print(f"audited {len(pins)} pins ({result.source}): {len(result.findings)} findings, "
          f"{len(result.findings) - len(open_findings)} triaged")
    for finding in open_findings:
        fixes = ", ".join(finding.fix_versions) or "no fix"
        print(f"UNTRIAGED  {finding.package}=={finding.version}  {finding.id} "
              f"({', '.join(finding.aliases)})  fixed in: {fixes}")
    for entry in stale(triage, pins):
        print(f"STALE      triage entry {entry}: that version is no longer pinned")
    if result.unaudited:
        print(f"NOT AUDITED {len(result.unaudited)} pins, e.g. "
              f"{next(iter(result.unaudited.values()))}; set ADVISORY_DB to a copy of "
              "github.com/pypa/advisory-database to audit offline")
    failed = open_findings or result.unaudited or stale(triage, pins)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the audit; exit 1 on an untriaged finding, an unaudited pin or a stale entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--triage", type=Path,
                        default=ROOT / "security" / "pip-audit-triage.toml")
    parser.add_argument("--advisory-db", type=Path, default=os.environ.get("ADVISORY_DB") or None)
    parser.add_argument("--pip-audit", type=Path, default=AUDIT_VENV / "bin" / "pip-audit")
    args = parser.parse_args(argv)
    result = audit(args.lock, args.advisory_db, args.pip_audit)
    return report(result, read_triage(args.triage), read_pins(args.lock))


if __name__ == "__main__":
    sys.exit(main())
