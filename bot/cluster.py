"""Run the assistant as a small cluster: N Rasa replicas behind nginx, restarted when they die.

``make cluster`` calls ``python -m bot.cluster``. It reuses ``bot.launch`` (how each server starts
and how its health is checked) and adds what a clinic network needs:

- ``REPLICAS`` Rasa servers (default 2) on internal ports, one action server, the web app;
- nginx (Debian's package) on ``RASA_PORT`` (5005), round robin over the replicas, and on
  ``WEB_PORT`` (8000) in front of the web app; the config comes from
  ``deploy/nginx/cluster.conf.template``;
- ``DATABASE_URL`` must be PostgreSQL (created if missing) and ``REDIS_URL`` set: replicas share
  conversations and locks through them;
- a supervisor loop: a server that exits is started again while the others keep serving;
  Ctrl-C (or SIGTERM) stops everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import REPO_ROOT, get_settings
from bot.launch import (
    HEALTH,
    StackPorts,
    _interrupt,
    commands,
    stack_environment,
    wait_until_up,
)

TEMPLATE = REPO_ROOT / "deploy" / "nginx" / "cluster.conf.template"
# What `make cluster` runs on when DATABASE_URL is SQLite (it cannot serve replicas) or REDIS_URL
# is unset; scripts/ensure_services.sh starts these when nothing answers.
LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/toh"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"
RESTART_DELAY_SECONDS = 2.0


class ClusterError(RuntimeError):
    """The cluster cannot start (its message says what to fix)."""


@dataclass(frozen=True)
class ClusterConfig:
    """Where everything listens, and on what it runs."""

    replicas: int = 2
    rasa_port: int = 5005  # the load balancer (the contract's Rasa URL)
    web_port: int = 8000  # nginx in front of the web app
    actions_port: int = 5055
    replica_ports: tuple[int, ...] = ()
    internal_web_port: int = 0
    database_url: str = ""
    redis_url: str = ""
    run_dir: Path = REPO_ROOT / "build" / "cluster"
    model: Path = REPO_ROOT / "models"

    @property
    def rasa_url(self) -> str:
        """The load balancer's URL (what clients use)."""
        return f"http://localhost:{self.rasa_port}"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_from_env(env: Mapping[str, str] = os.environ) -> ClusterConfig:
    """The cluster ``make cluster`` asks for (see the README's Cluster section)."""
    settings = get_settings()
    replicas = int(env.get("REPLICAS") or 2)
    base = int(env.get("REPLICA_BASE_PORT") or 5101)
    listed = tuple(int(port) for port in (env.get("REPLICA_PORTS") or "").split(",") if port)
    return ClusterConfig(
        replicas=replicas,
        rasa_port=int(env.get("RASA_PORT") or 5005),
        web_port=int(env.get("WEB_PORT") or 8000),
        actions_port=int(env.get("ACTIONS_PORT") or 5055),
        replica_ports=listed or tuple(base + i for i in range(replicas)),
        internal_web_port=int(env.get("INTERNAL_WEB_PORT") or base - 1),
        database_url=(
            LOCAL_DATABASE_URL if _is_sqlite(settings.database_url) else settings.database_url
        ),
        redis_url=settings.redis_url or LOCAL_REDIS_URL,
        run_dir=Path(env.get("CLUSTER_RUN_DIR") or REPO_ROOT / "build" / "cluster"),
    )


def _is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def check_backends(config: ClusterConfig) -> None:
    """PostgreSQL and Redis are required; ``ClusterError`` says which is missing."""
    if make_url(config.database_url).get_backend_name() != "postgresql":
        raise ClusterError("make cluster needs DATABASE_URL=postgresql://… (replicas share it)")
    if not config.redis_url:
        raise ClusterError("make cluster needs REDIS_URL=redis://… (the replicas' shared locks)")


def ensure_database(database_url: str) -> bool:
    """Create the PostgreSQL database of ``database_url`` if missing; True if it was created."""
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).first()
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(str(url.database))
            connection.execute(text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        admin.dispose()


def render_nginx(config: ClusterConfig, replica_ports: tuple[int, ...] | None = None) -> Path:
    """Write ``nginx.conf`` into ``run_dir`` with ``replica_ports`` (default all) in rotation."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (config.run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;"
        for port in replica_ports or config.replica_ports
    )
    rendered = Template(TEMPLATE.read_text(encoding="utf-8")).safe_substitute(
        prefix=str(config.run_dir),
        rasa_servers=servers,
        replicas=str(config.replicas),
        rasa_port=str(config.rasa_port),
        web_port=str(config.internal_web_port),
        web_port_public=str(config.web_port),
    )
    path = config.run_dir / "nginx.conf"
    path.write_text(rendered, encoding="utf-8")
    return path


def nginx_binary() -> str:
    """Debian's nginx (``make cluster`` installs it when missing)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise ClusterError("nginx is missing: `make cluster` installs Debian's nginx")
    return found


@dataclass
class Server:
    """One supervised process: how to start it and how to know it is up."""

    name: str
    command: list[str]
    health_url: str | None
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    replica_port: int | None = None  # set for Rasa replicas (the load balancer's upstreams)
    in_rotation: bool = False  # nginx sends it requests (only once it answers its health check)


def answers(url: str) -> bool:
    """True if ``url`` answers 200 within a second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Cluster:
    """The supervised servers of one cluster."""

    config: ClusterConfig
    env: dict[str, str]
    servers: dict[str, Server] = field(default_factory=dict)

    def start(self, server: Server) -> None:
        """Start ``server`` (its output goes to ``run_dir/<name>.log``)."""
        log = open(self.config.run_dir / f"{server.name}.log", "ab")  # noqa: SIM115
        server.process = subprocess.Popen(
            server.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()  # the child has its own copy

    def start_all(self, timeout: float = 300) -> None:
        """Start every server and wait until each answers its health check."""
        for server in self.servers.values():
            self.start(server)
        for server in self.servers.values():
            if server.health_url and server.process:
                wait_until_up(server.health_url, server.process, timeout)
            server.in_rotation = True

    def dead(self) -> list[Server]:
        """Servers whose process has exited."""
        return [s for s in self.servers.values() if s.process and s.process.poll() is not None]

    def supervise_once(self) -> list[str]:
        """Restart every server that exited; keep nginx's rotation to replicas that answer.

        A restarted replica listens long before its model is loaded: nginx would queue requests
        on it, so it rejoins the rotation only once its health check answers.
        """
        dead = self.dead()
        for server in dead:
            server.restarts += 1
            code = server.process.returncode if server.process else "?"
            print(f"{server.name} exited ({code}); restarting it", file=sys.stderr, flush=True)
        if any(s.in_rotation and s.replica_port is not None for s in dead):
            for server in dead:
                server.in_rotation = False
            self.reload_nginx()  # before the new process binds the port it will load on
        for server in dead:
            server.in_rotation = server.replica_port is None
            self.start(server)
        rejoined = [
            s for s in self._replicas()
            if not s.in_rotation and s.health_url and answers(s.health_url)
        ]
        for server in rejoined:
            server.in_rotation = True
            print(f"{server.name} is back in the rotation", file=sys.stderr, flush=True)
        if rejoined:
            self.reload_nginx()
        return [server.name for server in dead]

    def _replicas(self) -> list[Server]:
        return [s for s in self.servers.values() if s.replica_port is not None]

    def reload_nginx(self) -> None:
        """Point nginx at the replicas in rotation and reload it (in-flight requests finish)."""
        ports = tuple(s.replica_port for s in self._replicas() if s.in_rotation and s.replica_port)
        render_nginx(self.config, ports)
        nginx = self.servers.get("nginx")
        if nginx and nginx.process and nginx.process.poll() is None:
            nginx.process.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        """Stop every server (SIGTERM, then SIGKILL after 20 s)."""
        processes = [server.process for server in self.servers.values() if server.process]
        running = [process for process in processes if process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + 20
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def build_cluster(config: ClusterConfig, extra_env: Mapping[str, str] | None = None) -> Cluster:
    """The servers of ``config`` (nothing started yet); writes the nginx config."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    public = StackPorts(rasa=config.rasa_port, actions=config.actions_port, web=config.web_port)
    env = stack_environment(public, {
        **(extra_env or {}),
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
    })
    env["WEB_PORT"] = str(config.internal_web_port)
    cluster = Cluster(config, env)
    internal = StackPorts(config.rasa_port, config.actions_port, config.internal_web_port)
    for name in ("actions", "web"):
        url = HEALTH[name].format(**internal.__dict__)
        cluster.servers[name] = Server(name, commands(internal, config.model)[name], url)
    for index, port in enumerate(config.replica_ports):
        replica = StackPorts(rasa=port, actions=config.actions_port, web=config.web_port)
        url = HEALTH["rasa"].format(**replica.__dict__)
        cluster.servers[f"rasa-{index + 1}"] = Server(
            f"rasa-{index + 1}", commands(replica, config.model)["rasa"], url, replica_port=port
        )
    conf = render_nginx(config)
    cluster.servers["nginx"] = Server(
        "nginx", [nginx_binary(), "-c", str(conf), "-p", str(config.run_dir)],
        f"http://localhost:{config.rasa_port}/webhooks/rest/",
    )
    return cluster


def prepare_store(env: Mapping[str, str]) -> None:
    """Schema (migrations) and content (new items only), as ``make run`` does before starting."""
    for step in (["db", "upgrade"], ["content", "import", "--new-only"]):
        subprocess.run(
            [sys.executable, "-m", "bot", *step],
            cwd=REPO_ROOT, env=dict(env), check=True, stdout=subprocess.DEVNULL,
        )


def main() -> int:
    """Start the cluster, print where it is, restart what dies, stop all on Ctrl-C."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    config = config_from_env()
    try:
        check_backends(config)
    except ClusterError as error:
        print(f"make cluster: {error}", file=sys.stderr)
        return 2
    if ensure_database(config.database_url):
        print(f"created database {make_url(config.database_url).database}", flush=True)
    cluster = build_cluster(config)
    try:
        prepare_store(cluster.env)
        cluster.start_all()
        print(
            f"\nThe TOH assistant cluster is running ({config.replicas} Rasa replicas):\n"
            f"  Load balancer (REST, socket.io, SMS): {config.rasa_url}\n"
            f"  Web app and editor:                  http://localhost:{config.web_port}/\n"
            f"  Logs:                                {config.run_dir}/\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            time.sleep(1)
            if cluster.supervise_once():
                time.sleep(RESTART_DELAY_SECONDS)  # a server that keeps dying must not spin
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
