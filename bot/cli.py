"""Command line for operators and editors: ``python -m bot content|users|db|conversations|...``.

``report`` prints the clinic report (``bot.reporting``).

Every editorial command the web editor offers is here too, so an operator can script it:
``list, show, edit, submit, publish, history, diff, rollback, retire, lint, import, export``.
Expected failures (a conflict, a refused publish, no tables yet) print one ``error:`` line and
exit 1; only bugs print a traceback.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # no types-PyYAML in the lock
from sqlalchemy.exc import DBAPIError

from bot.config import MIN_SECRET_LENGTH, PLACEHOLDERS
from bot.content import accounts, editorial, importing, services
from bot.content.errors import ContentError, InvalidContent, LintFailed
from bot.content.files import dump_item, read_items, write_items
from bot.content.lint import LintReport, lint_dir, lint_item
from bot.content.models import review_date
from bot.conversations import service as conversations
from bot.conversations.repository import Erased
from bot.migrate import current_revision, new_revision, upgrade
from bot.reporting import figures, render
from bot.reporting.backfill import backfill_turns
from bot.wiring import Services

NO_TABLES = "the database has no tables yet: run `python -m bot db upgrade` first"

Command = Callable[[argparse.Namespace, Services], int]


# --- content: import, export, lint -----------------------------------------------------------


def _import(args: argparse.Namespace, wired: Services) -> int:
    if args.publish and not args.as_user:
        raise InvalidContent("--publish needs --as ADMIN: the admin who publishes in one step")
    admin = _actor(args, wired) if args.publish else None
    specs = read_items(Path(args.dir or wired.settings.content_dir))
    outcome = importing.import_items(specs, uow=wired.uow(), new_only=args.new_only,
                                     publish_as=admin)
    counts = {state: list(outcome.values()).count(state) for state in importing.OUTCOMES}
    print(", ".join(f"{n} {state.replace('_', ' ')}" for state, n in counts.items() if n)
          or "nothing to import")
    _explain_import(outcome)
    return 1 if args.publish and counts["draft"] else 0


def _explain_import(outcome: dict[str, str]) -> None:
    def ids(state: str) -> str:
        return ", ".join(sorted(item for item, s in outcome.items() if s == state))

    if ids("in_review"):
        print(f"waiting for review: {ids('in_review')}; a reviewer publishes each with "
              "`content publish ID --as REVIEWER` (or in the editor)")
    if ids("draft"):
        print(f"failed the publish gate, kept as drafts: {ids('draft')}; "
              "`content lint` says why")
    if ids("differs"):
        print(f"kept the store's version of {ids('differs')} (edited in the editor?); "
              "`content export --format yaml` saves it to content/, `content import` loads files")


def _export(args: argparse.Namespace, wired: Services) -> int:
    answers = services.published_catalog(uow=wired.uow())
    if args.format == "json":  # texts as patients receive them: the clinic's details filled in
        clinic = wired.settings.clinic.placeholders()
        exported = [a.filled(clinic).as_export() for a in answers]
        json.dump(exported, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    specs = [services.spec_from_answer(a) for a in answers]
    for path in write_items(specs, Path(args.out)):
        print(path)
    return 0


def _print_report(report: LintReport) -> None:
    verdict = "ok  " if report.ok else "FAIL"
    parts = f"{report.sms_parts} part{'' if report.sms_parts == 1 else 's'}"
    print(f"{verdict}  {report.item_id:<20} grade {report.grade:>4.1f}  "
          f"sms {report.sms_chars}/320 ({parts})")
    for message in report.messages:
        print(f"      - {message}")


def _lint(args: argparse.Namespace, wired: Services) -> int:
    if args.store:
        specs = [services.spec_from_answer(a) for a in services.published_catalog(uow=wired.uow())]
        reports = [lint_item(spec, clinic=wired.settings.clinic) for spec in specs]
    else:
        content_dir = Path(args.dir or wired.settings.content_dir)
        reports = lint_dir(content_dir, clinic=wired.settings.clinic)
    for report in reports:
        _print_report(report)
    failing = sum(not report.ok for report in reports)
    print(f"{len(reports)} items, {failing} failing")
    return 1 if failing else 0


# --- content: the editorial workflow ---------------------------------------------------------


def _actor(args: argparse.Namespace, wired: Services) -> accounts.Actor:
    return accounts.actor_for(args.as_user, uow=_accounts(wired))


def _accounts(wired: Services) -> accounts.SqlAlchemyAccountsUnitOfWork:
    return accounts.SqlAlchemyAccountsUnitOfWork(wired.session_factory)


def _list(args: argparse.Namespace, wired: Services) -> int:
    items = editorial.catalog(uow=wired.uow(), search=args.search or "", kind=args.kind,
                              status=args.status)
    for item in items:
        live = f"live {item.live_number}" if item.live_number else "not live"
        print(f"{item.id:<20} {item.kind:<10} {item.status:<10} {live:<8} {item.title}")
    return 0


def _revision_dict(item: editorial.ItemHistory, revision: editorial.RevisionView) -> dict[str, Any]:
    return {
        "id": item.id, "kind": item.kind, "tier": item.tier, "version": item.version,
        "revision": revision.number, "status": revision.status, "live": revision.live,
        "author": revision.author, "reviewer": revision.reviewer, "note": revision.note,
        "created_at": _when(revision.created_at), "published_at": _when(revision.published_at),
        "title": revision.title, "text": revision.text, "sms_text": revision.sms_text,
        "sources": list(revision.sources),
        "review_by": revision.review_by.isoformat() if revision.review_by else None,
    }


def _show(args: argparse.Namespace, wired: Services) -> int:
    item = editorial.history(args.id, uow=wired.uow())
    revision = item.revision(args.revision) if args.revision else item.working
    if revision is None:
        raise InvalidContent(f"'{item.id}' has no revisions.")
    if args.format == "yaml":
        sys.stdout.write(dump_item(item.spec(revision.draft)))
        return 0
    data = _revision_dict(item, revision)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for key in ("id", "kind", "tier", "version", "revision", "status", "live", "author",
                "reviewer", "review_by", "note", "title", "sms_text", "sources"):
        print(f"{key + ':':<11} {data[key]}")
    print("text:\n" + textwrap.indent(revision.text, "  "), end="")
    return 0


def _read_source(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidContent(f"cannot read {path}: {error.strerror}") from error


def _edited_fields(args: argparse.Namespace, base: editorial.Draft, item_id: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": base.title, "text": base.text, "sms_text": base.sms_text,
        "sources": list(base.sources), "review_by": base.review_by,
    }
    if args.file:
        fields.update(_fields_from_file(_read_source(args.file), item_id))
    overrides = {
        "title": args.title,
        "text": _read_source(args.text_file) if args.text_file else None,
        "sms_text": args.sms_text,
        "sources": args.source,
        "review_by": _date(args.review_by) if args.review_by else None,
    }
    fields.update({key: value for key, value in overrides.items() if value is not None})
    return fields


def _date(value: Any) -> date | None:
    try:
        return review_date(value)
    except (TypeError, ValueError) as error:
        raise InvalidContent(f"'{value}' is not a date like 2027-11-01") from error


def _fields_from_file(text: str, item_id: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidContent(f"the file is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise InvalidContent("the file must be a mapping like a content/ file")
    if data.get("id", item_id) != item_id:
        raise InvalidContent(f"the file is for '{data['id']}', not '{item_id}'")
    fields = {k: data[k] for k in ("title", "text", "sms_text", "sources") if k in data}
    if "review_by" in data:
        fields["review_by"] = _date(data["review_by"])
    return fields


def _edit(args: argparse.Namespace, wired: Services) -> int:
    author = _actor(args, wired)
    item = editorial.history(args.id, uow=wired.uow())
    base = item.working.draft if item.working else editorial.Draft("", "", "")
    fields = _edited_fields(args, base, item.id)
    version = args.base_version if args.base_version is not None else item.version
    revision = editorial.save_draft(item.id, base_version=version, note=args.note or "",
                                    author=author, uow=wired.uow(), **fields)
    print(f"saved draft revision {revision.number} of {item.id}")
    report = editorial.lint_draft(item, revision.draft, clinic=wired.settings.clinic)
    for message in report.messages:
        print(f"  not publishable yet: {message}")
    return 0


def _submit(args: argparse.Namespace, wired: Services) -> int:
    revision = editorial.submit(args.id, number=args.revision, by=_actor(args, wired),
                                uow=wired.uow())
    print(f"revision {revision.number} of {args.id} is waiting for review")
    return 0


def _publish(args: argparse.Namespace, wired: Services) -> int:
    revision = editorial.publish(args.id, number=args.revision, reviewer=_actor(args, wired),
                                 uow=wired.uow())
    print(f"revision {revision.number} of {args.id} is live")
    return 0


def _rollback(args: argparse.Namespace, wired: Services) -> int:
    revision = editorial.rollback(args.id, to_number=args.to, by=_actor(args, wired),
                                  uow=wired.uow())
    print(f"revision {revision.number} of {args.id} (a copy of revision {args.to}) is live")
    return 0


def _retire(args: argparse.Namespace, wired: Services) -> int:
    revision = editorial.retire(args.id, number=args.revision, by=_actor(args, wired),
                                uow=wired.uow())
    print(f"revision {revision.number} of {args.id} is retired")
    return 0


def _when(moment: Any) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else None


def _history(args: argparse.Namespace, wired: Services) -> int:
    item = editorial.history(args.id, uow=wired.uow())
    tier = f", tier {item.tier}" if item.tier else ""
    print(f"{item.id} ({item.kind}{tier}), version {item.version}, "
          f"live revision {item.published_number or '-'}")
    for r in item.revisions:
        status = r.status + (" (live)" if r.live else "")
        review_by = r.review_by.isoformat() if r.review_by else "-"
        print(f"{r.number:>4}  {status:<17} {_when(r.created_at) or '-':<16}  {r.author:<16} "
              f"{r.reviewer or '-':<16} review by {review_by}  {r.note or ''}".rstrip())
    return 0


def _diff(args: argparse.Namespace, wired: Services) -> int:
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    for change in editorial.diff(args.id, old=args.old, new=args.new, uow=wired.uow()):
        if change.changed:
            body = "".join(marks[c.op].format(c.text) for c in change.chunks)
            print(f"{change.label}:\n{textwrap.indent(body, '  ')}")
    return 0


# --- users and web ---------------------------------------------------------------------------


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise accounts.AccountError("no terminal to ask for a password: use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != password:
        raise accounts.AccountError("the two passwords differ")
    return password


def _users_create(args: argparse.Namespace, wired: Services) -> int:
    user = accounts.create_user(args.username, _read_password(args), role=args.role,
                                uow=_accounts(wired))
    print(f"created {user.role} '{user.username}'")
    return 0


def _users_list(args: argparse.Namespace, wired: Services) -> int:
    for user in accounts.list_users(uow=_accounts(wired)):
        state = "active" if user.active else "disabled"
        print(f"{user.username:<24} {user.role:<9} {state}")
    return 0


def _users_set_password(args: argparse.Namespace, wired: Services) -> int:
    user = accounts.set_password(args.username, _read_password(args), uow=_accounts(wired))
    print(f"new password set for '{user.username}'")
    return 0


def _web(args: argparse.Namespace, wired: Services) -> int:
    from bot.web.app import serve

    key = wired.settings.secret_key  # APP_ENV=production refused it already (get_settings)
    if key in PLACEHOLDERS or len(key) < MIN_SECRET_LENGTH:
        print("warning: SECRET_KEY is a placeholder or short: fine for development only "
              "(APP_ENV=production refuses it)", file=sys.stderr)
    port = args.port or wired.settings.web_port
    print(f"content editor on http://{args.host}:{port}/editor/, "
          f"dashboard on http://{args.host}:{port}/dashboard/", flush=True)
    serve(args.host, port, services=wired)
    return 0


# --- database schema --------------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace, wired: Services) -> int:
    before = current_revision(wired.engine)
    upgrade(wired.engine)
    after = current_revision(wired.engine)
    url = wired.engine.url.render_as_string(hide_password=True)
    change = f"migrated from {before or 'nothing'} to" if before != after else "up to date at"
    print(f"{url}: {change} {after}")
    return 0


def _db_revision(args: argparse.Namespace, wired: Services) -> int:
    new_revision(args.message)
    return 0


def _add_db_commands(db: Any) -> None:
    _command(db, "upgrade", _db_upgrade, "create or migrate every table the project owns")
    revision = _command(db, "revision", _db_revision,
                        "developers: write a migration from the models' difference to the database")
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")


# --- conversations ------------------------------------------------------------------------------


def _age(value: str) -> timedelta:
    try:
        return conversations.parse_age(value)
    except conversations.BadAge as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _conversations_export(args: argparse.Namespace, wired: Services) -> int:
    for conversation in conversations.export(repo=wired.conversations(), since=args.since):
        print(json.dumps(conversation.as_export(), ensure_ascii=False))
    return 0


def _erased(erased: Erased) -> str:
    return (f"erased {erased.events} conversation events, {erased.escalation_records} "
            f"escalation records, {erased.sms_contacts} SMS contacts, {erased.handoff_cases} "
            f"hand-off cases, {erased.turn_events} turn events, {erased.feedback_votes} "
            "feedback votes")


def _conversations_forget(args: argparse.Namespace, wired: Services) -> int:
    sender = sys.stdin.readline().strip() if args.sender == "-" else args.sender
    if not sender:
        raise InvalidContent("no sender given")
    salt = wired.settings.hash_salt
    print(_erased(conversations.forget(sender, repo=wired.conversations(), salt=salt)))
    return 0


def _conversations_purge(args: argparse.Namespace, wired: Services) -> int:
    days = wired.settings.conversation_retention_days
    older_than = args.older_than
    if older_than is None:
        older_than = conversations.parse_age(f"{days}d")
    print(_erased(conversations.purge(repo=wired.conversations(), older_than=older_than)))
    return 0


def _conversations_redact(args: argparse.Namespace, wired: Services) -> int:
    changed = conversations.redact_stored(repo=wired.conversations())
    print(f"redacted {changed} stored events")
    return 0


def _conversations_backfill_turns(args: argparse.Namespace, wired: Services) -> int:
    stored = backfill_turns(source=wired.report_source(), repo=wired.turn_events(),
                            salt=wired.settings.hash_salt)
    print(f"recorded {stored} turns of earlier conversations")
    return 0


def _add_conversations_commands(group: Any) -> None:
    export = _command(group, "export", _conversations_export,
                      "print every conversation as one JSON object per line")
    export.add_argument("--format", choices=("jsonl",), default="jsonl")
    export.add_argument("--since", type=_age, metavar="AGE",
                        help="only messages of the last AGE, e.g. 30d, 12h, 2w (default: all)")
    forget = _command(group, "forget", _conversations_forget,
                      "erase everything stored about one person")
    forget.add_argument("sender", metavar="SENDER",
                        help="conversation id or phone number ('-': read it from stdin, which "
                             "keeps a phone number out of the shell history)")
    _command(group, "redact", _conversations_redact,
             "redact personal details in conversations stored before redaction (run once)")
    _command(group, "backfill-turns", _conversations_backfill_turns,
             "record for the report the turns of conversations stored before turn events "
             "were (run once, after upgrading)")
    purge = _command(group, "purge", _conversations_purge,
                     "erase conversations and records older than an age (retention)")
    purge.add_argument("--older-than", type=_age, metavar="AGE",
                       help="e.g. 90d (default: CONVERSATION_RETENTION_DAYS, 90 days)")


# --- report ----------------------------------------------------------------------------------


def _report(args: argparse.Namespace, wired: Services) -> int:
    report = figures.build_report(source=wired.report_source(), since=args.since)
    if args.format == "json":
        json.dump(report.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render.as_text(report), end="")
    if args.png:
        render.write_png(report, Path(args.png))
    return 0


def _add_report_command(areas: Any) -> None:
    report = _command(areas, "report", _report,
                      "the clinic report: messages, topics, misses, escalations, reviews due")
    report.add_argument("--since", type=_age, default=timedelta(days=30), metavar="AGE",
                        help="the last AGE, e.g. 30d, 12h, 2w (default: 30d)")
    report.add_argument("--format", choices=("json", "text"), default="text")
    report.add_argument("--png", metavar="FILE", help="also draw the figures as a PNG chart")


# --- parser ----------------------------------------------------------------------------------


def _command(group: Any, name: str, run: Command, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(run=run)
    return parser


def _add_as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", required=True, metavar="USERNAME",
                        help="the editor account acting (its role and the four-eyes rule apply)")


def _add_store_commands(content: Any) -> None:
    load = _command(content, "import", _import,
                    "load content/ files as revisions for review (idempotent; an empty store is "
                    "seeded with what passes the publish gate)")
    load.add_argument("--dir", help="content folder (default: CONTENT_DIR or content/)")
    load.add_argument(
        "--new-only", action="store_true",
        help="only add items the store lacks; never replace a published answer (make run)",
    )
    load.add_argument("--publish", action="store_true",
                      help="with --as ADMIN: publish what passes the publish gate in one step")
    load.add_argument("--as", dest="as_user", metavar="USERNAME",
                      help="the admin publishing with --publish")
    export = _command(content, "export", _export, "print or write the published catalog")
    export.add_argument("--format", choices=("json", "yaml"), default="json")
    export.add_argument("--out", default="content", help="folder for --format yaml")
    lint = _command(content, "lint", _lint, "run the publish gate over content files or the store")
    lint.add_argument("--dir", help="content folder (default: CONTENT_DIR or content/)")
    lint.add_argument("--store", action="store_true", help="lint the live answers in the store")


def _add_reading_commands(content: Any) -> None:
    listing = _command(content, "list", _list, "list items with their status")
    listing.add_argument("--kind", choices=("faq", "message", "escalation"))
    listing.add_argument("--status", choices=("draft", "in_review", "published", "retired"))
    listing.add_argument("--search", help="words to look for in id, title and text")
    show = _command(content, "show", _show, "show one revision (default: the one being worked on)")
    show.add_argument("id")
    show.add_argument("--revision", type=int)
    show.add_argument("--format", choices=("text", "json", "yaml"), default="text")
    hist = _command(content, "history", _history, "every revision of an item")
    hist.add_argument("id")
    diff = _command(content, "diff", _diff, "word differences between two revisions")
    diff.add_argument("id")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)


def _add_edit_command(content: Any) -> None:
    edit = _command(content, "edit", _edit, "save a new draft revision")
    edit.add_argument("id")
    _add_as(edit)
    edit.add_argument("--file", help="a content/-style YAML file with the new fields ('-': stdin)")
    edit.add_argument("--title")
    edit.add_argument("--text-file", help="file with the new web text ('-': stdin)")
    edit.add_argument("--sms-text")
    edit.add_argument("--source", action="append", help="a source (repeat for several)")
    edit.add_argument("--review-by", help="YYYY-MM-DD")
    edit.add_argument("--note", help="what changed and why")
    edit.add_argument("--base-version", type=int,
                      help="the version you read (from `show --format json`); refused if stale")


def _add_workflow_commands(content: Any) -> None:
    for name, run, text in (
        ("submit", _submit, "send a draft to review (default: the newest revision)"),
        ("publish", _publish, "publish a revision waiting for review (default: the newest)"),
    ):
        parser = _command(content, name, run, text)
        parser.add_argument("id")
        parser.add_argument("--revision", type=int)
        _add_as(parser)
    back = _command(content, "rollback", _rollback, "publish an earlier revision again")
    back.add_argument("id")
    back.add_argument("--to", type=int, required=True, metavar="REVISION")
    _add_as(back)
    retire = _command(content, "retire", _retire, "withdraw a draft or a revision in review")
    retire.add_argument("id")
    retire.add_argument("--revision", type=int, required=True)
    _add_as(retire)


def _add_users_commands(users: Any) -> None:
    create = _command(users, "create", _users_create,
                      "create an account (editor, reviewer, clinician or admin)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", choices=accounts.ROLES, required=True)
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from stdin")
    _command(users, "list", _users_list, "list accounts")
    reset = _command(users, "set-password", _users_set_password, "give an account a new password")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true", help="read the password from stdin")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(prog="python -m bot")
    areas = parser.add_subparsers(dest="area", required=True)
    content = areas.add_parser("content", help="the content store").add_subparsers(
        dest="command", required=True
    )
    _add_store_commands(content)
    _add_reading_commands(content)
    _add_edit_command(content)
    _add_workflow_commands(content)
    users = areas.add_parser("users", help="editor accounts").add_subparsers(
        dest="command", required=True
    )
    _add_users_commands(users)
    db = areas.add_parser("db", help="the database schema (Alembic migrations)").add_subparsers(
        dest="command", required=True
    )
    _add_db_commands(db)
    talks = areas.add_parser("conversations", help="patients' conversations (operators)")
    _add_conversations_commands(talks.add_subparsers(dest="command", required=True))
    _add_report_command(areas)
    web = _command(areas, "web", _web, "serve the content editor (and the demo page)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, help="default: WEB_PORT or 8000")
    return parser


# --- running ---------------------------------------------------------------------------------


def _database_problem(error: DBAPIError, wired: Services) -> str:
    detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    if "no such table" in detail or ("relation" in detail and "does not exist" in detail):
        return NO_TABLES
    url = wired.engine.url.render_as_string(hide_password=True)
    return f"cannot use the database {url}: {detail}"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit code 0 on success, 1 with an ``error:`` line otherwise."""
    args = build_parser().parse_args(argv)
    wired = Services()
    try:
        return int(args.run(args, wired))
    except LintFailed as error:
        return _fail("the publish gate refused it: " + " ".join(error.problems))
    except (ContentError, conversations.BadAge) as error:
        return _fail(str(error))
    except DBAPIError as error:
        return _fail(_database_problem(error, wired))
    except BrokenPipeError:  # e.g. `... export | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
