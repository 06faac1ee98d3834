"""deploy/ is consistent with itself and with the code (no container engine runs here)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from bot.config import REPO_ROOT
from bot.launch import DEFAULT_PORTS, HEALTH, commands
from tests.unit.deploy_files import (
    DEPLOY,
    DOCKERFILES,
    SERVERS,
    dockerfile_stages,
    env_file_names,
    exec_form,
    image_tag,
    interpolated_names,
    is_pinned,
    names_the_code_reads,
    project_version,
    rasa_config_names,
)

COMPOSE_PATH = DEPLOY / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
NGINX_CONF = DEPLOY / "nginx" / "compose.conf"
K8S = DEPLOY / "k8s"
SECRET_TEMPLATE = K8S / "secret.template.yaml"
PORTS = {"rasa": DEFAULT_PORTS.rasa, "actions": DEFAULT_PORTS.actions, "web": DEFAULT_PORTS.web}
SECRET_WORDS = re.compile(r"SECRET|TOKEN|PASSWORD|_KEY\b|_SID\b")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_PATH.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


def of_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests if doc["kind"] == kind}


def final_stage(name: str) -> Any:
    return dockerfile_stages(DOCKERFILES[name])[-1]


def health_url(name: str) -> str:
    return exec_form(final_stage(name).last("HEALTHCHECK") or "")[-1]


def consumed_names() -> set[str]:
    """What the code reads, plus what the images' own commands read (ALLOWED_ORIGINS)."""
    in_images = set().union(*(interpolated_names(p.read_text()) for p in DOCKERFILES.values()))
    return names_the_code_reads() | in_images


def our_image(image: str) -> str | None:
    """``rasa`` for ``.../toh-assistant/rasa:0.1.0``; None for third-party images."""
    match = re.search(r"toh-assistant/(\w+):", image)
    return match.group(1) if match else None


# --- Dockerfiles ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVERS)
def test_dockerfile_bases_are_pinned_python_310(name: str) -> None:
    stages = dockerfile_stages(DOCKERFILES[name])
    stage_names = {stage.name for stage in stages}
    external = [stage.base for stage in stages if stage.base not in stage_names]
    assert external, "no base image"
    for base in external:
        assert re.fullmatch(r"python:3\.10\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base


def test_all_dockerfiles_share_one_base_image() -> None:
    bases = {dockerfile_stages(path)[0].base for path in DOCKERFILES.values()}
    assert len(bases) == 1, bases


@pytest.mark.parametrize("name", SERVERS)
def test_dockerfile_runs_as_a_numeric_non_root_user(name: str) -> None:
    user = final_stage(name).last("USER")
    assert user, "the final stage sets no USER"
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, user  # numeric: Kubernetes runAsNonRoot can check it


@pytest.mark.parametrize("name", SERVERS)
def test_dockerfile_health_check_is_launchs_on_the_contract_port(name: str) -> None:
    stage = final_stage(name)
    url = urlparse(health_url(name))
    launch_url = urlparse(HEALTH[name].format(**DEFAULT_PORTS.__dict__))
    assert (url.port, url.path) == (launch_url.port, launch_url.path) == (PORTS[name], url.path)
    assert stage.all("EXPOSE") == [str(PORTS[name])]
    assert exec_form(stage.last("HEALTHCHECK") or "")[:2] == ["python", "deploy/healthcheck.py"]


@pytest.mark.parametrize("name", SERVERS)
def test_dockerfile_installs_exactly_the_lock_and_bakes_in_no_secret(name: str) -> None:
    path = DOCKERFILES[name]
    stages = dockerfile_stages(path)
    runs = " ".join(args for stage in stages for args in stage.all("RUN"))
    assert "pip install --no-cache-dir --no-deps -r /tmp/requirements.lock" in runs
    for install in re.findall(r"pip install ([^&]+)", runs):
        packages = [w for w in install.split() if not w.startswith("-") and "requirements" not in w]
        assert all("==" in p for p in packages), f"unpinned pip install: {install}"
    for stage in stages:
        for args in stage.all("ENV") + stage.all("ARG"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args) or [args.split("=")[0]]
            assert not [n for n in names if SECRET_WORDS.search(n)], args
        for args in stage.all("COPY") + stage.all("ADD"):
            sources = [w for w in args.split()[:-1] if not w.startswith("--")]
            assert "." not in sources and not any(".env" in s for s in sources), args
            if "--from=" not in args:
                assert all((REPO_ROOT / s).exists() for s in sources), args
    assert not stages[-1].all("ADD")


def test_dockerignore_keeps_env_files_and_the_venv_out() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".env", "**/.env", ".venv", ".git"} <= set(ignored)


def test_rasa_image_trains_in_a_build_stage_and_copies_the_model() -> None:
    stages = dockerfile_stages(DOCKERFILES["rasa"])
    trainer = [s for s in stages if any("rasa train" in run for run in s.all("RUN"))]
    assert trainer and trainer[0] is not stages[-1]
    copies = " ".join(stages[-1].all("COPY"))
    assert f"--from={trainer[0].name} /app/models" in copies
    assert f"--from={trainer[0].name} /app/build/spacy-en" in copies  # config.yml's SpacyNLP path


def _rasa_command() -> list[str]:
    cmd = exec_form(final_stage("rasa").last("CMD") or "")
    assert cmd[:2] == ["/bin/sh", "-c"] and cmd[2].startswith("exec ")  # rasa is PID 1
    return cmd[2].removeprefix("exec ").split()


def test_rasa_command_is_launchs_with_the_api_off_and_cors_from_allowed_origins() -> None:
    ours = _rasa_command()
    launch = commands(DEFAULT_PORTS, Path("models"))["rasa"]
    cut = launch.index("--cors")
    assert ours[: cut + 1] == ["rasa", *launch[1 : cut + 1]]
    assert "$ALLOWED_ORIGINS" in " ".join(ours[cut + 1 :])
    assert not [arg for arg in ours if arg.startswith(("--enable-api", "--auth-token"))]


def test_rasa_cors_splits_comma_separated_origins() -> None:
    script = exec_form(final_stage("rasa").last("CMD") or "")[2]
    shown = script.replace("exec rasa run", "printf '%s\\n'", 1)  # print the arguments instead
    env = {"ALLOWED_ORIGINS": "https://a.example,https://b.example", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["/bin/sh", "-c", shown], env=env, capture_output=True, text=True)
    assert out.stdout.split()[-3:] == ["--cors", "https://a.example", "https://b.example"]


@pytest.mark.parametrize("name", ["actions", "web"])
def test_actions_and_web_commands_are_launchs(name: str) -> None:
    ours = exec_form(final_stage(name).last("CMD") or "")
    launch = commands(DEFAULT_PORTS, Path("models"))[name]
    launch = [Path(launch[0]).name, *launch[1:]]
    if name == "web":  # the container must listen beyond its loopback; launch's host may differ
        host = ours.index("--host")
        assert ours[host + 1] == "0.0.0.0"
        ours = ours[:host] + ours[host + 2 :]
        at = launch.index("--host")
        launch = launch[:at] + launch[at + 2 :]
    assert ours == launch


# --- docker-compose.yml -----------------------------------------------------------------------


def test_compose_has_every_service_and_two_rasa_replicas(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"rasa", "actions", "web", "postgres", "redis", "nginx"} <= set(services)
    assert services["rasa"]["deploy"]["replicas"] == 2
    assert "ports" not in services["rasa"]  # only through the load balancer


def test_compose_variables_are_all_in_the_env_example(compose: dict[str, Any]) -> None:
    example = env_file_names(ENV_EXAMPLE)
    assert interpolated_names(json.dumps(compose)) <= set(example)
    for service in compose["services"].values():
        for env_file in service.get("env_file", []):
            assert env_file == ".env"  # deploy/.env, made from deploy/.env.example
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/.env"], cwd=REPO_ROOT, check=False
    )
    assert ignored.returncode == 0, "deploy/.env (secrets) is not git-ignored"


def test_compose_builds_and_mounts_only_files_that_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert (context / build["dockerfile"]).is_file(), name
            assert our_image(service["image"]) in {"rasa", "actions", "web"}
            assert build["dockerfile"].endswith(f"{our_image(service['image'])}.Dockerfile")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), f"{name}: {source}"
            else:
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"


def test_every_image_is_pinned(compose: dict[str, Any], manifests: list[dict[str, Any]]) -> None:
    images = [service["image"] for service in compose["services"].values()]
    images += [
        container["image"]
        for doc in manifests
        if doc["kind"] in ("Deployment", "Job")
        for container in doc["spec"]["template"]["spec"]["containers"]
    ]
    for image in images:
        assert is_pinned(image), image
        if our_image(image):
            assert image_tag(image) == project_version(), image


def test_compose_env_names_are_ones_the_code_reads(compose: dict[str, Any]) -> None:
    known = consumed_names()
    example = set(env_file_names(ENV_EXAMPLE)) - interpolated_names(json.dumps(compose))
    assert example <= known, example - known
    for name in SERVERS:
        environment = set(compose["services"][name].get("environment", {}))
        assert environment <= known, environment - known


def test_rasa_gets_every_variable_endpoints_and_credentials_need(compose: dict[str, Any]) -> None:
    needed = rasa_config_names()
    rasa = compose["services"]["rasa"]
    given = set(rasa["environment"]) | set(env_file_names(ENV_EXAMPLE))
    assert needed <= given, needed - given  # an unset ${VAR} stops `rasa run` at start-up


def test_compose_urls_point_at_its_own_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    environment = services["rasa"]["environment"]
    action = urlparse(environment["ACTION_ENDPOINT_URL"])
    assert (action.hostname, action.port, action.path) == ("actions", PORTS["actions"], "/webhook")
    assert urlparse(environment["REDIS_URL"]).hostname == "redis"
    database = urlparse(re.sub(r"\$\{[^}]*\}", "secret", environment["DATABASE_URL"]))
    assert database.hostname == "postgres" and database.path == "/toh"


def test_compose_health_checks_and_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in SERVERS:
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[-1] == health_url(name)
    for name in ("postgres", "redis", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    conditions = {"service_healthy", "service_started", "service_completed_successfully"}
    for name, service in services.items():
        for dependency, spec in service.get("depends_on", {}).items():
            assert dependency in services and spec["condition"] in conditions, name
    assert services["rasa"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["rasa"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["nginx"]["depends_on"]["rasa"]["condition"] == "service_healthy"


def test_compose_app_containers_are_read_only_with_a_writable_tmp(compose: dict[str, Any]) -> None:
    for name in (*SERVERS, "content-init"):
        service = compose["services"][name]
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"], name


def test_nginx_balances_compose_services_on_the_contract_ports(compose: dict[str, Any]) -> None:
    conf = NGINX_CONF.read_text()
    nginx = compose["services"]["nginx"]
    mount = next(v for v in nginx["volumes"] if "compose.conf" in v)
    assert (DEPLOY / mount.split(":")[0]).resolve() == NGINX_CONF
    listens = {int(port) for port in re.findall(r"^\s*listen (\d+);", conf, re.M)}
    assert listens == {DEFAULT_PORTS.rasa, DEFAULT_PORTS.web}
    assert {int(p.split(":")[1]) for p in nginx["ports"]} == listens
    for host, port in re.findall(r"^\s*server (\w+):(\d+)", conf, re.M):
        assert host in compose["services"] and int(port) == PORTS[host], host


# --- Kubernetes -------------------------------------------------------------------------------


def test_manifests_parse_and_kustomization_lists_all_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk - {SECRET_TEMPLATE.name}


def test_deployments_probe_limit_and_drop_privileges(manifests: list[dict[str, Any]]) -> None:
    deployments = of_kind(manifests, "Deployment")
    assert set(deployments) == {f"toh-{name}" for name in SERVERS}
    assert deployments["toh-rasa"]["spec"]["replicas"] == 2
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        mounts = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in pod["containers"]:
            image = our_image(container["image"])
            assert image, name
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            assert list(ports.values()) == [PORTS[image]], name
            for probe in ("readinessProbe", "livenessProbe"):
                get = container[probe]["httpGet"]
                assert ports.get(get["port"], get["port"]) == PORTS[image], (name, probe)
                assert get["path"] == urlparse(health_url(image)).path, (name, probe)
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), name
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            tmp = [m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp and tmp[0] in mounts, f"{name}: /tmp must be a writable emptyDir"
            assert not {"command", "args"} & set(container), f"{name}: the image's CMD decides"


def test_services_and_ingress_reach_the_deployments(manifests: list[dict[str, Any]]) -> None:
    deployments = of_kind(manifests, "Deployment")
    services = of_kind(manifests, "Service")
    for name, service in services.items():
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items(), name
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        names = {p["name"] for p in container["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= names, name
    backends = {}
    for rule in of_kind(manifests, "Ingress")["toh"]["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backends[path["path"]] = path["backend"]["service"]["name"]
            assert path["backend"]["service"]["name"] in services
    assert backends == {"/webhooks/": "toh-rasa", "/": "toh-web"}


def test_k8s_env_is_what_the_code_reads_and_secrets_are_placeholders(
    manifests: list[dict[str, Any]],
) -> None:
    config = of_kind(manifests, "ConfigMap")["toh-config"]["data"]
    secret = yaml.safe_load(SECRET_TEMPLATE.read_text())
    assert not of_kind(manifests, "Secret").keys() - {"toh-secrets"}
    assert all(re.fullmatch(r"<[^<>]+>", value) for value in secret["stringData"].values())
    names = set(config) | set(secret["stringData"])
    assert names <= consumed_names(), names - consumed_names()
    needed = rasa_config_names()
    assert needed <= names, needed - names
    assert not [n for n in config if SECRET_WORDS.search(n)], "a secret in the ConfigMap"
    action = urlparse(config["ACTION_ENDPOINT_URL"])
    service = of_kind(manifests, "Service")[action.hostname or ""]
    assert action.port == service["spec"]["ports"][0]["port"] == PORTS["actions"]


def test_nothing_in_deploy_turns_rasas_http_api_on() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix != ".md":
            lines = path.read_text().splitlines()
            code = [line for line in lines if not line.lstrip().startswith("#")]
            assert "--enable-api" not in "\n".join(code), path


# --- deploy/healthcheck.py --------------------------------------------------------------------


def _load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/ok" else 500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_healthcheck_exit_codes(server_url: str) -> None:
    healthcheck = _load_healthcheck()
    assert healthcheck.main([f"{server_url}/ok"]) == 0
    assert healthcheck.main([f"{server_url}/broken"]) == 1
    assert healthcheck.main([]) == 1


def test_healthcheck_fails_on_a_closed_port() -> None:
    probe = HTTPServer(("127.0.0.1", 0), _Handler)
    port = probe.server_address[1]
    probe.server_close()  # nothing listens there now
    assert _load_healthcheck().main([f"http://127.0.0.1:{port}/ok"]) == 1
