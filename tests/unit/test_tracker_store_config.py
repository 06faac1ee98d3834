"""The tracker store's URL handling: query parameters kept, no password in the start error."""

from __future__ import annotations

import socket

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import make_url

from bot.stores.rasa_stores import (
    TrackerDatabaseUnreachable,
    check_reachable,
    engine_kwargs,
    tracker_store_kwargs,
)

URL = "postgresql://toh:s3cret@db.example.org:6543/toh?sslmode=require&application_name=toh"


def test_query_parameters_reach_the_driver() -> None:
    kwargs = tracker_store_kwargs(URL)
    assert kwargs["query"] == {"sslmode": "require", "application_name": "toh"}
    rasa_url = SQLTrackerStore.get_db_url(
        kwargs["dialect"], kwargs["host"], kwargs["port"], kwargs["db"],
        kwargs["username"], kwargs["password"], query=kwargs["query"],
    )
    assert make_url(rasa_url).query == {"sslmode": "require", "application_name": "toh"}


def test_postgres_engine_pings_and_gives_up_connecting_after_a_while() -> None:
    kwargs = engine_kwargs(make_url(URL))
    assert kwargs["pool_pre_ping"] is True
    assert kwargs["connect_args"]["connect_timeout"] == 5
    explicit = engine_kwargs(make_url("postgresql://h/db?connect_timeout=20"))
    assert "connect_timeout" not in explicit.get("connect_args", {})


def test_an_unreachable_database_stops_the_start_with_a_clear_message() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    url = f"postgresql://toh:s3cret@127.0.0.1:{port}/toh"
    with pytest.raises(TrackerDatabaseUnreachable) as caught:
        check_reachable(url, attempts=1)
    assert f"127.0.0.1:{port}/toh cannot be reached" in str(caught.value)
    assert "s3cret" not in str(caught.value)
