"""content/ files ⇄ the store through the CLI: exact round trip, the gate over shipped content,
and the editorial commands an operator scripts."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.config import DEMO_CLINIC_NAME, DEMO_CLINIC_PHONE, REPO_ROOT, get_settings
from bot.content.files import FOLDERS, read_items
from bot.content.lint import lint_dir

CONTENT_DIR = REPO_ROOT / "content"
ITEM_FILES = sorted(p.relative_to(CONTENT_DIR) for f in FOLDERS.values()
                    for p in (CONTENT_DIR / f).glob("*.yml"))


@pytest.fixture
def empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway SQLite store, with no tables, that ``python -m bot`` (in this process) uses."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CONTENT_DIR", str(CONTENT_DIR))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def database(empty_database: str) -> str:
    """The throwaway store after ``python -m bot db upgrade``."""
    assert run("db", "upgrade") == 0
    return empty_database


def run(*argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(list(argv))


def test_every_shipped_item_passes_the_publish_gate() -> None:
    reports = lint_dir(CONTENT_DIR)
    assert len(reports) == len(ITEM_FILES) > 0
    failing = {r.item_id: r.messages for r in reports if not r.ok}
    assert failing == {}


def test_lint_command_over_content_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["content", "lint", "--dir", str(CONTENT_DIR)]) == 0
    out = capsys.readouterr().out
    assert f"{len(ITEM_FILES)} items, 0 failing" in out


def test_import_then_export_gives_back_the_same_bytes(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("content", "import") == 0
    assert capsys.readouterr().out.strip() == f"{len(ITEM_FILES)} published"  # the seed
    out = tmp_path / "exported"
    assert run("content", "export", "--format", "yaml", "--out", str(out)) == 0
    differ = [str(relative) for relative in ITEM_FILES
              if (out / relative).read_bytes() != (CONTENT_DIR / relative).read_bytes()]
    assert differ == [], "not in the canonical form `content export` writes"
    assert run("content", "import", "--dir", str(out)) == 0
    assert capsys.readouterr().out.strip().endswith(f"{len(ITEM_FILES)} unchanged")


def test_an_import_into_a_live_store_goes_to_review_or_an_admin_publishes_it(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run("content", "import")  # the seed
    for name, role in (("ada", "admin"), ("rita", "reviewer")):
        run("users", "create", "--username", name, "--role", role, "--password-stdin",
            stdin="correct horse battery\n", monkeypatch=monkeypatch)
    folder = tmp_path / "edited"
    shutil.copytree(CONTENT_DIR, folder)
    [path] = folder.rglob("duration.yml")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "slowly, over a period of **months**", "slowly, over **months**"), encoding="utf-8")
    capsys.readouterr()
    assert run("content", "import", "--dir", str(folder)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"1 in review, {len(ITEM_FILES) - 1} unchanged")
    assert "waiting for review: duration" in out
    assert run("content", "history", "duration") == 0
    assert "in_review" in capsys.readouterr().out
    assert run("content", "import", "--dir", str(folder), "--publish") == 1
    assert "--publish needs --as ADMIN" in capsys.readouterr().err
    assert run("content", "import", "--dir", str(folder), "--publish", "--as", "rita") == 1
    assert "Only an admin" in capsys.readouterr().err
    assert run("content", "publish", "duration", "--as", "rita") == 0  # the review path
    path.write_text(path.read_text(encoding="utf-8").replace("over **months**",
                                                             "over several **months**"))
    capsys.readouterr()
    assert run("content", "import", "--dir", str(folder), "--publish", "--as", "ada") == 0
    assert capsys.readouterr().out.startswith("1 published")
    assert run("content", "show", "duration", "--format", "json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["revision"], shown["live"], shown["reviewer"]) == (3, True, "ada")
    assert "published in one step by admin ada: publish gate passed" in shown["note"]


def test_json_export_keeps_the_contract(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    run("content", "import")
    capsys.readouterr()
    assert run("content", "export", "--format", "json") == 0
    items = json.loads(capsys.readouterr().out)
    assert {i["id"] for i in items} == {s.id for s in read_items(CONTENT_DIR)}
    for item in items:
        assert {"id", "kind", "tier", "title", "text", "sms_text", "version"} <= set(item)


def test_json_export_fills_the_clinic_details_and_files_keep_placeholders(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINIC_NAME", "Lakeside Bone Clinic")
    monkeypatch.setenv("CLINIC_PHONE", "(555) 777-1234")
    get_settings.cache_clear()
    run("content", "import")
    capsys.readouterr()
    assert run("content", "export", "--format", "json") == 0
    items = {i["id"]: i for i in json.loads(capsys.readouterr().out)}
    for item in items.values():
        for name in ("title", "text", "sms_text"):
            assert "{clinic_" not in item[name], (item["id"], name)
    assert "(555) 777-1234" in items["human_handoff"]["sms_text"]
    assert "Lakeside Bone Clinic" in items["human_handoff"]["text"]
    assert "{reason}" in items["red_flag_reason"]["text"]  # filled per message by code
    assert "{clinic_phone}" in (CONTENT_DIR / "messages" / "human_handoff.yml").read_text()


def test_no_clinic_detail_is_hard_coded_in_content() -> None:
    for spec in read_items(CONTENT_DIR):
        for value in (spec.title, spec.text, spec.sms_text):
            assert DEMO_CLINIC_PHONE not in value and DEMO_CLINIC_NAME not in value, spec.id


def test_an_operator_scripts_the_whole_workflow(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run("content", "import")
    for name, role in (("erin", "editor"), ("rita", "reviewer")):
        assert run("users", "create", "--username", name, "--role", role, "--password-stdin",
                   stdin="correct horse battery\n", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run("content", "show", "duration", "--format", "yaml") == 0
    item_file = tmp_path / "duration.yml"
    item_file.write_text(capsys.readouterr().out.replace(
        "slowly, over a period of **months**", "slowly, over **months**"), encoding="utf-8")
    assert run("content", "edit", "duration", "--as", "erin", "--file", str(item_file),
               "--note", "shorter") == 0
    assert run("content", "submit", "duration", "--as", "erin") == 0
    assert run("content", "publish", "duration", "--as", "erin") == 1
    assert "Only a reviewer or an admin" in capsys.readouterr().err
    assert run("content", "publish", "duration", "--as", "rita") == 0
    assert run("content", "history", "duration") == 0
    history = capsys.readouterr().out
    assert "published (live)" in history and "erin" in history and "shorter" in history
    assert run("content", "diff", "duration", "1", "2") == 0
    assert "[- a period of-]" in capsys.readouterr().out
    assert run("content", "rollback", "duration", "--to", "1", "--as", "rita") == 0
    assert run("content", "show", "duration", "--format", "json") == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert shown["revision"] == 3 and shown["live"] and "a period of" in shown["text"]


def test_a_dose_is_stopped_with_a_one_line_error(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run("content", "import")
    run("users", "create", "--username", "erin", "--role", "editor", "--password-stdin",
        stdin="correct horse battery\n", monkeypatch=monkeypatch)
    text = tmp_path / "text.md"
    text.write_text("Take 400 mg of ibuprofen.\n", encoding="utf-8")
    assert run("content", "edit", "duration", "--as", "erin", "--text-file", str(text)) == 0
    capsys.readouterr()
    assert run("content", "submit", "duration", "--as", "erin") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the publish gate refused it:") and '"400 mg"' in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["content", "import"], "run `python -m bot db upgrade` first"),
        (["content", "list"], "run `python -m bot db upgrade` first"),
        (["users", "list"], "run `python -m bot db upgrade` first"),
    ],
)
def test_a_store_without_tables_says_to_upgrade(
    empty_database: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run(*argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_expected_errors_print_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "PATH": "/usr/bin:/bin"}
    for argv in (["content", "show", "duration"],
                 ["content", "edit", "duration", "--as", "nobody"],
                 ["users", "create", "--username", "x", "--role", "admin"]):
        done = subprocess.run([sys.executable, "-m", "bot", *argv], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=120)
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1, done.stderr


def test_the_first_admin_is_made_from_the_command_line(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("users", "create", "--username", "ada", "--role", "admin", "--password-stdin",
               stdin="correct horse battery\n", monkeypatch=monkeypatch) == 0
    assert capsys.readouterr().out.strip() == "created admin 'ada'"
    assert run("users", "list") == 0
    assert "ada" in capsys.readouterr().out
    assert run("users", "create", "--username", "bob", "--role", "admin", "--password-stdin",
               stdin="short\n", monkeypatch=monkeypatch) == 1
    assert "at least 10 characters" in capsys.readouterr().err
