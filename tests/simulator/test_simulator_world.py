"""The simulator in process: its httpx transport, the shared world file, list queries, chat answers."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from controlplane.errors import ProviderError
from controlplane.provider.simulator import Simulator, WorldFile
from controlplane.provider.simulator.chat import ChatRequest, answer, role_for
from controlplane.provider.simulator.protocol import ApiError
from controlplane.provider.simulator.query import Field, TextField, TimeField, compile_filter, paginate
from controlplane.provider.simulator.transport import SimulatorTransport
from tests.support.clock import FakeClock

AUTH = {"Authorization": "Bearer local"}
ENDPOINTS = "/v2/projects/proj_sim/endpoints"


def call(simulator: Simulator, method: str, path: str, body: Any = None, **query: str) -> Any:
    answer = simulator.handle(method, path, query, AUTH, json.dumps(body).encode() if body is not None else b"")
    payload = json.loads(answer.content())
    if answer.status >= 400:
        raise AssertionError(f"{answer.status}: {payload}")
    return payload


class TestInProcessTransport:
    def test_an_httpx_client_drives_the_simulator_without_a_server(self, tmp_path: Path, frozen: FakeClock) -> None:
        transport = SimulatorTransport(tmp_path / "world.json", provision_seconds=5)
        with httpx.Client(transport=transport, base_url="http://simulator", headers=AUTH) as client:
            assert client.get("/v3/whoami").json()["project"]["slug"] == "sim"
            endpoint = client.post(ENDPOINTS, json={"name": "local"}).json()
            model = next(
                m for m in client.get("/v2/projects/proj_sim/models").json()["data"] if "planning" in m["name"]
            )
            resource = f"projects/proj_sim/models/{model['id']}"
            configs = client.get("/v2/projects/proj_sim/configs", params={"referenceModel": model["baseModel"]})
            config = configs.json()["data"][0]
            config_name = f"projects/{config['projectId']}/configs/{config['id']}"
            created = client.post(
                f"{ENDPOINTS}/{endpoint['id']}/deployments",
                json={"name": "v1", "model": resource, "config": config_name,
                      "autoscaling": {"minReplicas": 1, "maxReplicas": 1}},
            ).json()  # fmt: skip
            frozen.tick(4)
            deployment = client.get(f"{ENDPOINTS}/{endpoint['id']}/deployments/{created['id']}").json()
            assert deployment["status"]["state"] == "DEPLOYMENT_STATE_PROVISIONING"  # provision_seconds=5
            frozen.tick(1)
            deployment = client.get(f"{ENDPOINTS}/{endpoint['id']}/deployments/{created['id']}").json()
            assert deployment["status"]["state"] == "DEPLOYMENT_STATE_READY"

    def test_a_stream_arrives_whole_and_still_parses_as_server_sent_events(
        self, tmp_path: Path, frozen: FakeClock
    ) -> None:
        simulator = Simulator(WorldFile(tmp_path / "world.json"), provision_seconds=0)
        _ready_endpoint(simulator, "chatty-planning")
        transport = SimulatorTransport(tmp_path / "world.json")
        with httpx.Client(transport=transport, base_url="http://simulator", headers=AUTH) as client:
            request = {"model": "sim/chatty-planning", "messages": [{"role": "user", "content": "hi"}], "stream": True}
            lines = client.post("/v1/chat/completions", json=request).text.split("\n\n")
        assert lines[-2] == "data: [DONE]" and all(line.startswith("data: ") for line in lines[:-1])

    def test_a_percent_encoded_segment_stays_one_path_segment(self, tmp_path: Path) -> None:
        with httpx.Client(
            transport=SimulatorTransport(tmp_path / "w.json"), base_url="http://s", headers=AUTH
        ) as client:
            created = client.post(ENDPOINTS, json={"name": "sim/qualified"}).json()
            assert created["name"] == "sim/qualified"
            # one segment that is not an id (Together's GETs take ids): not found, not another route
            answer = client.get(f"{ENDPOINTS}/sim%2Fqualified")
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


class TestWorldFile:
    def test_two_simulators_over_one_file_see_the_same_world(self, tmp_path: Path) -> None:
        first, second = Simulator(WorldFile(tmp_path / "w.json")), Simulator(WorldFile(tmp_path / "w.json"))
        created = call(first, "POST", ENDPOINTS, {"name": "shared"})
        assert call(second, "GET", f"{ENDPOINTS}/{created['id']}")["name"] == "sim/shared"
        call(second, "DELETE", f"{ENDPOINTS}/{created['id']}")
        assert call(first, "GET", ENDPOINTS)["data"] == []

    def test_concurrent_writers_lose_no_update(self, tmp_path: Path) -> None:
        def create(worker: int) -> None:
            simulator = Simulator(WorldFile(tmp_path / "w.json"))  # each its own lock file handle
            for index in range(5):
                call(simulator, "POST", ENDPOINTS, {"name": f"w{worker}-{index}"})

        threads = [threading.Thread(target=create, args=(worker,)) for worker in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(call(Simulator(WorldFile(tmp_path / "w.json")), "GET", ENDPOINTS, limit="500")["data"]) == 30

    def test_a_refused_request_leaves_the_file_as_it_was(self, tmp_path: Path) -> None:
        path = tmp_path / "w.json"
        simulator = Simulator(WorldFile(path))
        call(simulator, "POST", ENDPOINTS, {"name": "taken"})
        before = path.read_text()
        refused = simulator.handle("POST", ENDPOINTS, {}, AUTH, b'{"name": "taken"}')
        assert refused.status == 409 and path.read_text() == before

    def test_a_read_does_not_rewrite_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "w.json"
        simulator = Simulator(WorldFile(path))
        call(simulator, "GET", ENDPOINTS)
        written = path.stat().st_mtime_ns
        call(simulator, "GET", "/v2/projects/proj_sim/configs")
        assert path.stat().st_mtime_ns == written

    def test_timings_given_at_start_are_written_into_the_world(self, tmp_path: Path) -> None:
        Simulator(WorldFile(tmp_path / "w.json"), provision_seconds=0.5, stop_seconds=2)
        settings = call(Simulator(WorldFile(tmp_path / "w.json")), "GET", "/_simulator/settings")
        assert (settings["provision_seconds"], settings["stop_seconds"], settings["scale_seconds"]) == (0.5, 2, 1)

    def test_a_corrupt_file_is_a_provider_error_that_says_what_to_do(self, tmp_path: Path) -> None:
        path = tmp_path / "w.json"
        path.write_text("{not json")
        with pytest.raises(ProviderError) as broken:
            Simulator(WorldFile(path)).handle("GET", ENDPOINTS, {}, AUTH, b"")
        assert broken.value.hint is not None and str(path) in broken.value.hint


class TestTheControlPlanesClient:
    def test_the_together_client_works_through_the_transport(self, tmp_path: Path) -> None:
        from controlplane.provider.together import TogetherClient

        transport = SimulatorTransport(tmp_path / "w.json")
        with TogetherClient("http://simulator.invalid", "simulator", transport=transport, max_retries=0) as client:
            assert client.project_id == "proj_sim"
            assert len(client.instance_types()) == 8
            assert {m.name for m in client.models()} >= {"moonmakesmagic/DeepSeek-Qwen-14B-planning"}
            endpoint = client.create_endpoint("support-planning")
            assert client.find_endpoint("support-planning") == endpoint


@dataclass(frozen=True)
class Item:
    name: str
    created_at: datetime
    seq: int


ITEMS = [
    Item("shop-planning", datetime(2026, 1, 1, tzinfo=timezone.utc), 1),
    Item("shop-coding", datetime(2026, 2, 1, tzinfo=timezone.utc), 2),
    Item("blog-planning", datetime(2026, 3, 1, tzinfo=timezone.utc), 3),
]
FIELDS: dict[str, Field[Item]] = {"name": TextField(lambda i: i.name), "created_at": TimeField(lambda i: i.created_at)}


def by_creation(item: Item) -> tuple[str, int]:
    return item.created_at.isoformat(), item.seq


class TestListQueries:
    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            ('name = "shop-coding"', ["shop-coding"]),
            ('name = "sim/shop-coding"', ["shop-coding"]),
            ('name = "shop-*"', ["shop-planning", "shop-coding"]),
            ('name:"planning"', ["shop-planning", "blog-planning"]),
            ('name:"planning" AND NOT name = "blog-*"', ["shop-planning"]),
            ('name = "blog-planning" OR (name:"shop" AND created_at > "2026-01-15T00:00:00Z")',
             ["shop-coding", "blog-planning"]),
            ('created_at <= "2026-02-01T00:00:00Z"', ["shop-planning", "shop-coding"]),
        ],
    )  # fmt: skip
    def test_a_filter_selects_what_it_says(self, expression: str, expected: list[str]) -> None:
        keep = compile_filter(expression, FIELDS)
        assert [item.name for item in ITEMS if keep(item)] == expected

    @pytest.mark.parametrize(
        "expression",
        ['owner = "x"', "name =", 'name = "a" AND', '(name = "a"', 'created_at > "yesterday"', 'created_at:"2026"'],
    )
    def test_a_filter_that_cannot_be_read_is_refused_naming_the_parameter(self, expression: str) -> None:
        with pytest.raises(ApiError) as refused:
            compile_filter(expression, FIELDS)
        assert (refused.value.status, refused.value.param) == (400, "filter")

    def test_a_cursor_stays_valid_when_earlier_items_are_deleted(self) -> None:
        first, cursor = paginate(ITEMS, by_creation, {"limit": "2"})
        assert [i.name for i in first] == ["shop-planning", "shop-coding"] and cursor
        rest, last = paginate(ITEMS[1:], by_creation, {"limit": "2", "after": cursor})
        assert [i.name for i in rest] == ["blog-planning"] and last is None

    @pytest.mark.parametrize("query", [{"after": "not-a-cursor"}, {"limit": "0"}, {"limit": "many"}])
    def test_a_bad_cursor_or_limit_is_refused(self, query: dict[str, str]) -> None:
        with pytest.raises(ApiError) as refused:
            paginate(ITEMS, by_creation, query)
        assert refused.value.status == 400 and refused.value.param in query


def should_respond(*messages: tuple[str, str]) -> str:
    request = ChatRequest(model="m", messages=[{"role": role, "content": text} for role, text in messages])
    found = re.search(r"<action>(\w+)</action>", answer(request, "should_respond", "m").content or "")
    assert found is not None
    return found.group(1)


# ElizaOS's shouldRespondTemplate, rendered: the instructions mention "stop" and the agent's name.
ELIZA_PROMPT = """<task>Decide on behalf of Eliza whether they should respond to the message, ignore it or stop \
the conversation.</task>

<providers>
Bob: hello everyone
Bob: {latest}
</providers>

<instructions>Decide if Eliza should respond to or interact with the conversation.
If a user asks Eliza to be quiet, respond with STOP action.</instructions>

<output>
<response>
  <name>Eliza</name>
  <reasoning>Your reasoning here</reasoning>
  <action>RESPOND | IGNORE | STOP</action>
</response>
</output>"""


class TestChatAnswers:
    @pytest.mark.parametrize(
        ("said", "action"),
        [
            ("Eliza, can you help me", "RESPOND"),
            ("what time is it?", "RESPOND"),
            ("please stop talking", "STOP"),
            ("be quiet for a bit", "STOP"),
            ("nice weather today", "IGNORE"),
        ],
    )
    def test_should_respond_decides_from_the_last_user_message(self, said: str, action: str) -> None:
        assert should_respond(("system", "You are <name>Eliza</name>."), ("user", said)) == action

    @pytest.mark.parametrize(("latest", "action"), [("nice weather today", "IGNORE"), ("Eliza, thoughts?", "RESPOND")])
    def test_an_elizaos_prompt_is_judged_by_its_latest_message_not_its_instructions(
        self, latest: str, action: str
    ) -> None:
        assert should_respond(("user", ELIZA_PROMPT.format(latest=latest))) == action

    def test_an_unsubstituted_agent_name_falls_back_to_agent(self) -> None:
        request = ChatRequest(model="m", messages=[{"role": "user", "content": "<name>{{agentName}}</name> hi"}])
        assert "<name>agent</name>" in (answer(request, "should_respond", "m").content or "")

    def test_the_role_comes_from_the_endpoint_name_then_the_model_name(self) -> None:
        assert role_for("support-should-respond", "any/model") == "should_respond"
        assert role_for("support", "moonmakesmagic/DeepSeek-Qwen-14B-planning") == "planning"
        assert role_for("support-coding", "x") == "coding"
        assert role_for("support", "any/model") == "chat"

    def test_the_same_request_always_gets_the_same_answer(self) -> None:
        request = ChatRequest(model="m", messages=[{"role": "user", "content": "Write code to sort a list"}])
        assert answer(request, "coding", "m") == answer(request, "coding", "m")


def _ready_endpoint(simulator: Simulator, name: str) -> None:
    """An endpoint answering from one READY planning deployment (the simulator provisions at once)."""
    models = call(simulator, "GET", "/v2/projects/proj_sim/models")["data"]
    planning = next(m for m in models if "planning" in m["name"])
    config = call(simulator, "GET", "/v2/projects/proj_sim/configs", referenceModel=planning["baseModel"])["data"][0]
    endpoint = call(simulator, "POST", ENDPOINTS, {"name": name})
    deployment = call(
        simulator, "POST", f"{ENDPOINTS}/{endpoint['id']}/deployments",
        {"name": "v1", "model": f"projects/proj_sim/models/{planning['id']}",
         "config": f"projects/{config['projectId']}/configs/{config['id']}",
         "autoscaling": {"minReplicas": 1, "maxReplicas": 1}},
    )  # fmt: skip
    call(simulator, "PATCH", f"{ENDPOINTS}/{endpoint['id']}", {"etag": endpoint["etag"],
         "trafficSplit": [{"deploymentId": deployment["id"], "weight": 1}]})  # fmt: skip


class TestOlderWorldFiles:
    def test_a_world_file_from_before_platform_projects_is_migrated(self, tmp_path: Path, frozen: FakeClock) -> None:
        """Schema 1 kept public models in the project and gave each model its own configs: its
        endpoints and deployments are kept, a deployment's config becomes its base model's."""
        path = tmp_path / "w.json"
        simulator = Simulator(WorldFile(path), provision_seconds=0)
        _ready_endpoint(simulator, "kept-planning")
        data = json.loads(path.read_text())
        data["schema_version"] = 1
        del data["platform"]
        for model in data["models"].values():
            for key in ("project_id", "quantization", "family"):
                model.pop(key)
        [deployment] = data["deployments"].values()
        deployment["config_id"] = "cr_from_schema_1"
        path.write_text(json.dumps(data))

        endpoint = call(simulator, "GET", ENDPOINTS)["data"][0]
        found = call(simulator, "GET", f"{ENDPOINTS}/{endpoint['id']}/deployments/{deployment['id']}")
        assert endpoint["name"] == "sim/kept-planning"
        assert found["config"].startswith("projects/proj_platform/configs/cr_") and found["configId"] != (
            "cr_from_schema_1"
        )
        assert call(simulator, "GET", "/_simulator/settings")["provision_seconds"] == 0
