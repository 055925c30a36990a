"""The deployment examples (GitHub Actions, Kubernetes, systemd, Docker) lint, and every
`reasoning` command line in them parses against the CLI as it is.

The schemas are vendored under `schemas/` (both Apache-2.0): GitHub's workflow schema from
SchemaStore (src/schemas/json/github-workflow.json at 3b6446a) and the Compose specification's
(compose-spec/compose-spec schema/compose-spec.json at 170098b). Kubernetes objects are checked
against Kubernetes 1.37's own OpenAPI-derived schemas, which `kubernetes-validate` carries.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import typer
from dockerfile_parse import DockerfileParser
from ruamel.yaml import YAML

from controlplane.cli import app
from controlplane.manifest import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCHEMAS = Path(__file__).parent / "schemas"
KUBERNETES_VERSION = "1.37.0"


def _yaml_documents(path: Path) -> list[Any]:
    return [doc for doc in YAML(typ="safe").load_all(path.read_text()) if doc is not None]


def _parse_cli(argv: list[str]) -> Any:
    """Parse `reasoning ARGV` as the CLI would (options, arguments, subcommands) without running it;
    a usage error (unknown command or option, missing value) raises typer's own exception class
    (typer carries its own copy of click)."""
    command: Any = typer.main.get_command(app)
    name = "reasoning"
    args = list(argv)
    while True:
        context = command.make_context(name, args, resilient_parsing=False)
        if not isinstance(command, typer.core.TyperGroup):
            return command
        rest = [*context._protected_args, *context.args]  # what the group left to its subcommand
        assert rest, f"`reasoning {' '.join(argv)}` names no command under {name}"
        name, sub, args = command.resolve_command(context, rest)
        assert sub is not None and name is not None
        command = sub


def _assert_parses(argv: list[str], where: str) -> None:
    try:
        _parse_cli(argv)
    except typer.TyperException as error:
        pytest.fail(f"{where}: `reasoning {shlex.join(argv)}` does not parse: {error}")


# --- GitHub Actions ---------------------------------------------------------------------------

WORKFLOW = EXAMPLES / "github-actions" / "reasoning.yml"


def _workflow() -> dict[str, Any]:
    document = YAML(typ="safe").load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as True; GitHub reads it as the string
    if True in document:
        document["on"] = document.pop(True)
    return document


def _run_lines(job: dict[str, Any]) -> Iterator[str]:
    for step in job["steps"]:
        script = step.get("run", "")
        yield from re.sub(r"\\\n\s*", " ", script).splitlines()


def test_the_workflow_matches_githubs_schema() -> None:
    schema = json.loads((SCHEMAS / "github-workflow.json").read_text())
    jsonschema.Draft7Validator(schema).validate(_workflow())


def test_the_workflow_applies_exactly_the_reviewed_plan_file() -> None:
    jobs = _workflow()["jobs"]
    plan_steps = jobs["plan"]["steps"]
    uploads = [s for s in plan_steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [u["with"]["path"] for u in uploads] == ["plan.json"]
    assert any("--out plan.json" in line for line in _run_lines(jobs["plan"]))

    apply_steps = jobs["apply"]["steps"]
    downloads = [s for s in apply_steps if s.get("uses", "").startswith("actions/download-artifact@")]
    assert len(downloads) == 1 and downloads[0]["with"]["name"] == uploads[0]["with"]["name"]
    assert "run-id" in downloads[0]["with"], "the artifact comes from the pull request's run"
    apply_lines = [line for line in _run_lines(jobs["apply"]) if re.match(r"\s*reasoning ", line)]
    assert apply_lines == ["reasoning apply --auto-approve --lock-timeout 10m plan.json"]
    # the merge job never plans again, and the plan job never applies
    assert not any(re.search(r"\breasoning plan\b", line) for line in _run_lines(jobs["apply"]))
    assert not any(re.search(r"\breasoning apply\b", line) for line in _run_lines(jobs["plan"]))


def test_the_workflow_installs_from_the_checkout_only() -> None:
    for job in _workflow()["jobs"].values():
        installs = [line for line in _run_lines(job) if "pip install" in line]
        assert installs == ["python -m pip install ./.reasoning-src"]


def _workflow_command_lines() -> Iterator[tuple[str, list[str]]]:
    for job_name, job in _workflow()["jobs"].items():
        for line in _run_lines(job):
            for match in re.finditer(r"\breasoning ([^|>&;]*)", line):
                argv = shlex.split(match.group(1))
                if argv and not argv[0].startswith("-") and "/" not in argv[0] and argv[0][0].isalpha():
                    yield f"{WORKFLOW.name} job {job_name}", argv


# --- Kubernetes -------------------------------------------------------------------------------

KUBERNETES = EXAMPLES / "kubernetes"


def _kubernetes_objects() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in _yaml_documents(path):
            yield path, document


def test_every_kubernetes_object_matches_its_schema() -> None:
    objects = list(_kubernetes_objects())
    kinds = {document["kind"] for _, document in objects}
    assert {"Deployment", "CronJob", "StatefulSet", "Service", "ConfigMap"} <= kinds
    for path, document in objects:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{path.name}: {document['kind']} {document['metadata']['name']}: {error.message}")


def test_a_broken_kubernetes_object_is_caught() -> None:
    """The check above can fail: a misspelt field in the proxy's Deployment is rejected."""
    deployment = next(d for _, d in _kubernetes_objects() if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["arg"] = ["proxy", "serve"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_file() -> None:
    (kustomization,) = _yaml_documents(KUBERNETES / "kustomization.yaml")
    listed = sorted(kustomization["resources"])
    assert listed == sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


def test_the_configmap_carries_the_production_manifest(tmp_path: Path) -> None:
    (configmap,) = [d for _, d in _kubernetes_objects() if d["kind"] == "ConfigMap"]
    carried = configmap["data"]["reasoning.yaml"]
    production = (EXAMPLES / "production.yaml").read_text()
    # the same manifest but for the editor's schema comment (the pod has no reasoning.schema.json)
    assert carried == production.split("\n", 1)[1]
    (tmp_path / "reasoning.yaml").write_text(carried)
    manifest = load(tmp_path / "reasoning.yaml")  # plans with the other examples, as production.yaml
    assert set(manifest.models) == {"should_respond", "planning", "coding"}


def _kubernetes_command_lines() -> Iterator[tuple[str, list[str]]]:
    for path, document in _kubernetes_objects():
        spec = document.get("spec", {})
        pod = spec.get("jobTemplate", {}).get("spec", spec).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            if container["image"].startswith("reasoning-gitops"):
                yield f"{path.name} {document['kind']}", [str(a) for a in container["args"]]


# --- systemd ----------------------------------------------------------------------------------

SYSTEMD = EXAMPLES / "systemd"


def _systemd_command_lines() -> Iterator[tuple[str, list[str]]]:
    for unit in sorted(SYSTEMD.glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                program, *argv = shlex.split(line.removeprefix("ExecStart="))
                assert program == "/opt/reasoning/bin/reasoning", unit.name
                yield unit.name, argv


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: point it at this environment's `reasoning`
    reasoning = Path(sys.executable).with_name("reasoning")
    assert reasoning.exists()
    units = []
    for unit in sorted(SYSTEMD.glob("reasoning-*")):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/reasoning/bin/reasoning", str(reasoning)))
        units.append(str(copy))
    assert len(units) == 3
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "ignoring" not in result.stderr and "Unknown" not in result.stderr, result.stderr


# --- Docker -----------------------------------------------------------------------------------

DOCKER = EXAMPLES / "docker"


def _compose() -> dict[str, Any]:
    (document,) = _yaml_documents(DOCKER / "compose.yaml")
    return document


def test_the_compose_file_matches_the_compose_specification() -> None:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(_compose())


def test_the_compose_file_builds_this_checkout_and_mounts_a_real_manifest() -> None:
    services = _compose()["services"]
    for name in ("proxy", "reconcile"):
        service = services[name]
        context = (DOCKER / service["build"]["context"]).resolve()
        assert context == ROOT
        assert (context / service["build"]["dockerfile"]).is_file()
        source, target, _ = service["volumes"][0].split(":")
        assert (DOCKER / source).is_file() and target == "/etc/reasoning/reasoning.yaml"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        # secrets come from the environment, never from the file
        for value in service["environment"].values():
            assert "${" in value, value


def test_the_dockerfile_builds_from_the_checkout_as_a_non_root_user() -> None:
    parser = DockerfileParser(path=str(DOCKER / "Dockerfile"))
    instructions = parser.structure
    bases = [i["value"].split()[0] for i in instructions if i["instruction"] == "FROM"]
    assert bases and all(":" in base and not base.endswith(":latest") for base in bases), bases
    for copy in (i for i in instructions if i["instruction"] == "COPY" and "--from" not in i["value"]):
        *sources, _ = copy["value"].split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile COPY {source}: not in the repository"
    final_stage = instructions[max(i for i, x in enumerate(instructions) if x["instruction"] == "FROM") :]
    users = [i["value"] for i in final_stage if i["instruction"] == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert json.loads(next(i["value"] for i in final_stage if i["instruction"] == "ENTRYPOINT")) == ["reasoning"]
    exposed = next(i["value"] for i in final_stage if i["instruction"] == "EXPOSE")
    production = load(EXAMPLES / "production.yaml")
    assert production.proxy.listen.endswith(f":{exposed}")
    runs = " ".join(i["value"] for i in instructions if i["instruction"] == "RUN")
    stranger = "reasoning"  # the package index's `reasoning` is an unrelated project
    assert f"pip install {stranger}" not in runs and "/wheels/" in runs


def _docker_command_lines() -> Iterator[tuple[str, list[str]]]:
    parser = DockerfileParser(path=str(DOCKER / "Dockerfile"))
    cmd = next(i["value"] for i in reversed(parser.structure) if i["instruction"] == "CMD")
    yield "Dockerfile CMD", json.loads(cmd)
    for name, service in _compose()["services"].items():
        if "command" in service:
            yield f"compose.yaml service {name}", service["command"]


# --- every command line -----------------------------------------------------------------------


def _all_command_lines() -> list[tuple[str, list[str]]]:
    return [
        *_workflow_command_lines(),
        *_kubernetes_command_lines(),
        *_systemd_command_lines(),
        *_docker_command_lines(),
    ]


def test_every_reasoning_command_line_in_the_examples_parses() -> None:
    lines = _all_command_lines()
    assert {argv[0] for _, argv in lines} >= {"plan", "apply", "proxy", "reconcile"}
    assert len(lines) >= 8
    for where, argv in lines:
        _assert_parses(argv, where)


def test_a_command_line_the_cli_does_not_know_is_caught() -> None:
    with pytest.raises(typer.TyperException):
        _parse_cli(["reconcile", "--every", "5m"])
    with pytest.raises(typer.TyperException):
        _parse_cli(["proxy", "serv"])


def test_every_file_an_example_readme_cites_is_in_the_repository() -> None:
    readmes = sorted(EXAMPLES.glob("*/README.md"))
    assert len(readmes) >= 4
    for readme in readmes:
        cited = re.findall(r"`([\w./-]+\.(?:py|ya?ml|md|json|j2|service|timer)|[\w.-]+/[\w./-]+/)`", readme.read_text())
        for path in cited:
            if path.startswith("/") or path.startswith("http"):
                continue
            found = (ROOT / path).exists() or (readme.parent / path).exists()
            assert found, f"{readme.relative_to(ROOT)} cites {path}, which is not in the repository"
