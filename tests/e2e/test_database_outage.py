"""The conversation database going away under a running server, and missing at start.

The server reaches PostgreSQL through a TCP proxy the test cuts and restores. While it is cut the
patient gets the "temporarily unavailable" line, a red flag still gets its escalation text (the
channel screens the text itself), nothing is answered from a blank in-memory conversation, and
service resumes once the database is back, without a restart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.channels.inbound import unavailable_text
from bot.cluster import free_port
from bot.content.files import read_items
from bot.launch import StackPorts, start_stack
from tests.conftest import CONTENT_DIR, loaded_services, temporary_postgres_database
from tests.e2e.conftest import RestClient
from tests.e2e.tcp_proxy import TcpProxy

pytestmark = pytest.mark.servers

QUESTION = "How long does transient osteoporosis of the hip usually last?"
FEVER = "I've had a fever and night sweats since yesterday"


def item_text(item_id: str) -> str:
    return next(s for s in read_items(CONTENT_DIR) if s.id == item_id).text.strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RestClient, TcpProxy, str]]:
    """Rasa + actions whose only way to PostgreSQL is the proxy."""
    with temporary_postgres_database() as direct_url:
        loaded_services(direct_url).engine.dispose()
        proxy = TcpProxy(5432)
        proxied = direct_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        ports = StackPorts(rasa=free_port(), actions=free_port(), web=free_port())
        env = {
            "DATABASE_URL": proxied,
            "TRACKER_DATABASE_URL": proxied,
            "REDIS_URL": "redis://127.0.0.1:6379/6",
        }
        logs = tmp_path_factory.mktemp("outage-logs")
        stack = start_stack(ports, env=env, only=("actions", "rasa"), log_dir=logs)
        try:
            yield RestClient(stack.rasa_url), proxy, direct_url
        finally:
            stack.stop()
            proxy.cut()


def user_texts(database_url: str, sender: str) -> list[str]:
    engine = create_engine(database_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
            {"s": sender},
        ).scalars()
        texts = [json.loads(row)["text"] for row in rows]
    engine.dispose()
    return texts


def test_outage_answers_unavailable_escalates_red_flags_and_recovers(served) -> None:
    rest, proxy, direct_url = served
    patient = f"outage-{uuid.uuid4().hex[:8]}"
    assert item_text("duration") in rest.texts(patient, QUESTION)

    proxy.cut()
    try:
        during = rest.send(patient, QUESTION)
        assert [m["text"] for m in during] == [unavailable_text()]  # the fixed line: no store
        fever = rest.send(patient, FEVER)
        assert fever[0]["text"] == item_text("esc_infection")
        assert fever[0]["custom"] == {"kind": "escalation", "tier": "urgent"}
        assert fever[-1]["text"] == unavailable_text()
    finally:
        proxy.restore()

    after = rest.texts(patient, "Will I need an operation on my hip?")
    assert item_text("surgery") in after
    assert user_texts(direct_url, patient) == [QUESTION, "Will I need an operation on my hip?"]


def test_server_refuses_to_start_without_its_database(tmp_path: Path) -> None:
    proxy = TcpProxy(5432)
    proxy.cut()
    url = f"postgresql://postgres@127.0.0.1:{proxy.port}/toh_nowhere"
    ports = StackPorts(rasa=free_port(), actions=free_port(), web=free_port())
    env = {"DATABASE_URL": url, "TRACKER_DATABASE_URL": url, "REDIS_URL": ""}
    with pytest.raises(RuntimeError, match="exited with code"):
        start_stack(ports, env=env, only=("rasa",), log_dir=tmp_path, timeout=300)
    log = (tmp_path / "rasa.log").read_text(errors="replace")
    assert "TrackerDatabaseUnreachable" in log
    assert f"127.0.0.1:{proxy.port}/toh_nowhere cannot be reached" in log
