"""The plan is a pure function: manifest + actual + applied + catalog -> actions, reasons, costs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from controlplane.errors import CostLimitExceeded, ModelNotAvailable, UnknownHardware
from controlplane.manifest import loads
from controlplane.plan import fingerprint, make_plan
from controlplane.values import AppliedRole, RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog, Hardware, Profile
from controlplane.values.plan import Plan

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
H100, H100x2 = "1x_nvidia_h100_80gb_sxm", "2x_nvidia_h100_80gb_sxm"
CATALOG = Catalog(
    hardware={
        H100: Hardware(id=H100, name="1xnvidia-h100-80gb", usd_per_hour=3.99),
        H100x2: Hardware(id=H100x2, name="2xnvidia-h100-80gb", usd_per_hour=7.98),
    },
    models={"org/small": "projects/p/models/ml_small", "org/big": "projects/p/models/ml_big"},
    configs={"org/small": {H100: "cr_1", H100x2: "cr_2"}, "org/big": {H100x2: "cr_3"}},
)


def manifest(roles: str, budget: str = "") -> str:
    return f"version: 1\nproject: demo\n{budget}models:\n{roles}"


SMALL = "  planning:\n    model: org/small\n    hardware: 1x_nvidia_h100_80gb_sxm\n    replicas: {min: 1, max: 2}\n"


def remote(
    role: str = "planning",
    *,
    spec: Spec | None = None,
    state: str = "READY",
    etag: str = "e1",
    extra: tuple[RemoteDeployment, ...] = (),
    traffic: dict[str, float] | None = None,
) -> RemoteRole:
    spec = spec or Spec(model="org/small", hardware=H100, min_replicas=1, max_replicas=2)
    live = RemoteDeployment(
        id="dep_1",
        name="rs-a-b",
        spec=spec,
        state=state,  # type: ignore[arg-type]
        ready_replicas=0 if spec.stopped else spec.min_replicas,
    )
    return RemoteRole(
        role=role,
        endpoint_id="ep_1",
        endpoint_name=f"demo-{role}",
        etag=etag,
        traffic={"dep_1": 100.0} if traffic is None else traffic,
        deployments=(live, *extra),
    )


def record(actual: RemoteRole, *, enabled: bool = True) -> AppliedRole:
    """What apply leaves in the store for a role that runs as `actual` does."""
    live = actual.live
    assert live is not None
    return AppliedRole(role=actual.role, spec=live.spec, enabled=enabled, endpoint_id=actual.endpoint_id,
                       deployment_id=live.id, applied_at=NOW)  # fmt: skip


def plan_for(
    text: str, actual: dict[str, RemoteRole] | None = None, applied: dict[str, AppliedRole] | None = None
) -> Plan:
    return make_plan(loads(text), actual or {}, applied or {}, CATALOG, now=NOW)


class TestActions:
    def test_creates_a_role_that_is_not_deployed(self) -> None:
        plan = plan_for(manifest(SMALL))
        (action,) = plan.actions
        assert (action.kind, action.reason) == ("create", "not deployed yet")
        assert str(action.changes[0]) == "model None → org/small"
        assert plan.cost_after.low == pytest.approx(3.99) and plan.cost_after.high == pytest.approx(7.98)
        assert plan.summary() == "Plan: 1 to create. Cost $0.00/h → $3.99–7.98/h."

    def test_is_a_no_op_when_the_role_matches(self) -> None:
        plan = plan_for(manifest(SMALL), {"planning": remote()}, {"planning": record(remote())})
        assert [a.kind for a in plan.actions] == ["noop"] and not plan.has_changes

    def test_updates_replicas_in_place(self) -> None:
        plan = plan_for(manifest(SMALL.replace("max: 2", "max: 3")), {"planning": remote()})
        (action,) = plan.actions
        assert action.kind == "update" and action.forced_by is None
        assert [(c.field, c.before, c.after) for c in action.changes] == [("replicas.max", 2, 3)]
        assert action.reason == "replicas.max 2 → 3"

    def test_replaces_when_hardware_changes_and_names_the_field(self) -> None:
        plan = plan_for(manifest(SMALL.replace(H100, H100x2)), {"planning": remote()})
        (action,) = plan.actions
        assert action.kind == "replace" and action.forced_by == "hardware"
        assert action.reason == f"hardware {H100} → {H100x2} forces replacement"

    def test_replaces_when_the_model_changes(self) -> None:
        text = manifest(SMALL.replace("org/small", "org/big").replace(H100, H100x2))
        action = plan_for(text, {"planning": remote()}).actions[0]
        assert action.kind == "replace" and action.forced_by == "model"

    def test_stops_a_disabled_role(self) -> None:
        action = plan_for(manifest(SMALL + "    enabled: false\n"), {"planning": remote()}).actions[0]
        assert action.kind == "stop" and action.cost_after.high == 0 and action.cost_before.high == pytest.approx(7.98)

    def test_leaves_a_stopped_disabled_role_alone(self) -> None:
        stopped = remote(spec=Spec(model="org/small", hardware=H100, min_replicas=0, max_replicas=0), state="STOPPED")
        action = plan_for(manifest(SMALL + "    enabled: false\n"), {"planning": stopped}).actions[0]
        assert action.kind == "noop" and action.cost_before.high == 0

    def test_starts_a_stopped_role_that_is_enabled(self) -> None:
        stopped = remote(spec=Spec(model="org/small", hardware=H100, min_replicas=0, max_replicas=0), state="STOPPED")
        action = plan_for(manifest(SMALL), {"planning": stopped}).actions[0]
        assert action.kind == "start"

    def test_deletes_a_role_removed_from_the_manifest(self) -> None:
        plan = plan_for(manifest(SMALL), {"planning": remote(), "coding": remote("coding")})
        kinds = {a.role: (a.kind, a.reason) for a in plan.actions}
        assert kinds["coding"] == ("delete", "role removed from reasoning.yaml")

    def test_replaces_a_failed_deployment(self) -> None:
        action = plan_for(manifest(SMALL), {"planning": remote(state="FAILED")}).actions[0]
        assert action.kind == "replace" and action.forced_by == "status"

    def test_cleans_up_a_leftover_deployment_and_routes_traffic(self) -> None:
        leftover = RemoteDeployment(
            id="dep_0",
            name="rs-a-old",
            state="READY",
            ready_replicas=1,
            spec=Spec(model="org/small", hardware=H100x2, min_replicas=1, max_replicas=1),
        )
        action = plan_for(manifest(SMALL), {"planning": remote(extra=(leftover,))}).actions[0]
        assert action.kind == "update" and "remove leftover deployment rs-a-old" in action.reason

    def test_routes_traffic_to_a_deployment_created_by_a_crashed_apply(self) -> None:
        action = plan_for(manifest(SMALL), {"planning": remote(traffic={})}).actions[0]
        assert action.kind == "update" and action.reason == "route all traffic to the live deployment"

    def test_adopts_an_endpoint_without_deployments(self) -> None:
        empty = RemoteRole(role="planning", endpoint_id="ep_1", endpoint_name="demo-planning", etag="e", traffic={})
        action = plan_for(manifest(SMALL), {"planning": empty}).actions[0]
        assert action.kind == "create" and "adopting" in action.reason


class TestDrift:
    applied = {
        "planning": AppliedRole(
            role="planning",
            enabled=True,
            endpoint_id="ep_1",
            deployment_id="dep_1",
            applied_at=NOW,
            spec=Spec(model="org/small", hardware=H100, min_replicas=1, max_replicas=2),
        )
    }

    def test_explains_an_out_of_band_change_and_restores_it(self) -> None:
        changed = remote(spec=Spec(model="org/small", hardware=H100, min_replicas=3, max_replicas=3))
        action = plan_for(manifest(SMALL), {"planning": changed}, self.applied).actions[0]
        assert action.kind == "update"
        assert [str(c) for c in action.drift] == ["replicas.min 1 → 3", "replicas.max 2 → 3"]
        assert action.reason.startswith("drift: replicas.min 1 → 3, replicas.max 2 → 3 changed out of band")

    def test_reports_a_role_stopped_out_of_band(self) -> None:
        stopped = remote(spec=Spec(model="org/small", hardware=H100, min_replicas=0, max_replicas=0), state="STOPPED")
        action = plan_for(manifest(SMALL), {"planning": stopped}, self.applied).actions[0]
        assert action.kind == "start" and "drift: state running → stopped" in action.reason

    def test_has_no_drift_without_a_record_of_the_last_apply(self) -> None:
        changed = remote(spec=Spec(model="org/small", hardware=H100, min_replicas=3, max_replicas=3))
        assert plan_for(manifest(SMALL), {"planning": changed}).actions[0].drift == ()


class TestStoreAndWorld:
    """The world is the truth: a role that runs as wanted but that the store does not record as
    running (a lost answer, a crash between steps, a new store) is planned as an update that
    writes the record from the world, and the plan says how the two disagree."""

    def test_a_role_that_runs_without_a_record_is_recorded(self) -> None:
        action = plan_for(manifest(SMALL), {"planning": remote()}).actions[0]
        assert action.kind == "update" and action.changes == ()
        assert action.out_of_step == "the store has no record of demo-planning, which runs rs-a-b"
        assert action.reason == f"{action.out_of_step}; recording what runs"

    def test_a_record_of_another_deployment_is_repaired(self) -> None:
        older = record(remote()).model_copy(update={"deployment_id": "dep_0"})
        action = plan_for(manifest(SMALL), {"planning": remote()}, {"planning": older}).actions[0]
        assert action.kind == "update" and "records deployment dep_0, the world serves rs-a-b (dep_1)" in action.reason

    def test_a_record_that_says_stopped_while_the_role_runs_is_repaired(self) -> None:
        stopped = record(remote(), enabled=False)
        action = plan_for(manifest(SMALL), {"planning": remote()}, {"planning": stopped}).actions[0]
        assert (
            action.kind == "update"
            and action.out_of_step == "the store records demo-planning as stopped, but rs-a-b runs"
        )

    def test_a_record_that_says_running_while_the_role_is_stopped_is_repaired(self) -> None:
        spec = Spec(model="org/small", hardware=H100, min_replicas=0, max_replicas=0)
        stopped = remote(spec=spec, state="STOPPED")
        running = record(remote())
        action = plan_for(
            manifest(SMALL + "    enabled: false\n"), {"planning": stopped}, {"planning": running}
        ).actions[0]
        assert (
            action.kind == "stop"
            and action.out_of_step == "the store records demo-planning as running, but it is stopped"
        )

    def test_a_record_of_a_role_gone_from_manifest_and_world_is_forgotten(self) -> None:
        plan = plan_for(
            manifest(SMALL), {"planning": remote()}, {"planning": record(remote()), "old": record(remote("old"))}
        )
        old = next(a for a in plan.actions if a.role == "old")
        assert old.kind == "delete" and old.actual is None and old.out_of_step is not None

    def test_a_matching_record_is_in_step(self) -> None:
        action = plan_for(manifest(SMALL), {"planning": remote()}, {"planning": record(remote())}).actions[0]
        assert action.kind == "noop" and action.out_of_step is None


class TestRollouts:
    def test_a_role_with_an_active_rollout_is_held_whatever_the_manifest_says(self) -> None:
        """SDK types/endpoint.py `activeRolloutId`; rollouts.create docstring: the rollout moves
        the split and the replicas of the pair until it ends, so apply must not fight it."""
        rolling = remote().model_copy(update={"rollout": "rol_7"})
        for text in (manifest(SMALL.replace("max: 2", "max: 3")), manifest(SMALL.replace(H100, H100x2)), manifest("")):
            loaded = text if "planning" in text else manifest(SMALL + "    enabled: false\n")
            (action,) = plan_for(loaded, {"planning": rolling}, {"planning": record(rolling)}).actions
            assert (
                action.kind == "noop"
                and action.reason == "rollout rol_7 in progress on demo-planning; nothing changes until it ends"
            )


class TestRefusals:
    def test_rejects_unknown_hardware_with_its_line_and_a_suggestion(self) -> None:
        with pytest.raises(UnknownHardware) as caught:
            plan_for(manifest(SMALL.replace(H100, "1x_nvidia_h100_80gb")))
        assert str(caught.value) == (
            "reasoning.yaml:6: models.planning.hardware: unknown hardware "
            "'1x_nvidia_h100_80gb' (did you mean '1x_nvidia_h100_80gb_sxm'?)"
        )

    def test_accepts_the_v2_display_name_of_hardware(self) -> None:
        action = plan_for(manifest(SMALL.replace(H100, "1xnvidia-h100-80gb"))).actions[0]
        assert action.desired is not None and action.desired.hardware == H100

    def test_rejects_hardware_the_model_does_not_fit(self) -> None:
        with pytest.raises(ModelNotAvailable) as caught:
            plan_for(manifest(SMALL.replace("org/small", "org/big")))
        assert f"{H100} cannot serve org/big" in str(caught.value) and caught.value.hint == f"it fits on: {H100x2}"

    def test_rejects_a_model_the_project_does_not_have(self) -> None:
        with pytest.raises(ModelNotAvailable, match="'org/nope' is not a model of this Together project"):
            plan_for(manifest(SMALL.replace("org/small", "org/nope")))

    def test_refuses_a_plan_over_the_hourly_limit_with_the_figures(self) -> None:
        with pytest.raises(CostLimitExceeded) as caught:
            plan_for(manifest(SMALL, budget="budget:\n  max_cost_per_hour_usd: 5\n"))
        assert str(caught.value) == (
            "reasoning.yaml:4: this plan could cost $7.98/h at max replicas "
            "(planning 7.98), over budget.max_cost_per_hour_usd $5.00/h"
        )

    def test_allows_a_plan_exactly_at_the_limit(self) -> None:
        assert plan_for(manifest(SMALL, budget="budget:\n  max_cost_per_hour_usd: 7.98\n")).has_changes


class TestFingerprint:
    def test_ignores_a_deployment_becoming_ready(self) -> None:
        assert fingerprint({"p": remote(state="PROVISIONING")}) == fingerprint({"p": remote(state="READY")})

    def test_changes_when_the_endpoint_is_written(self) -> None:
        assert fingerprint({"p": remote(etag="e1")}) != fingerprint({"p": remote(etag="e2")})

    def test_changes_when_replicas_change(self) -> None:
        scaled = remote(spec=Spec(model="org/small", hardware=H100, min_replicas=2, max_replicas=2))
        assert fingerprint({"p": remote()}) != fingerprint({"p": scaled})


class TestSerialization:
    def test_a_plan_survives_a_round_trip_through_json(self) -> None:
        plan = plan_for(manifest(SMALL.replace("max: 2", "max: 3")), {"planning": remote()})
        again = Plan.model_validate_json(plan.model_dump_json())
        assert again == plan and again.format_version == "1"


PUBLIC = CATALOG.model_copy(
    update={
        "public": {
            "Qwen/Qwen3.5-9B": (
                Profile(id="cr_bf16", model="Qwen/Qwen3.5-9B", hardware=H100, quantization="BF16"),
                Profile(id="cr_fp8", model="Qwen/Qwen3.5-9B-FP8", hardware=H100, quantization="FP8"),
                Profile(id="cr_bf16_2", model="Qwen/Qwen3.5-9B", hardware=H100x2, quantization="BF16"),
            )
        },
        "models": {**CATALOG.models, "Qwen/Qwen3.5-9B": "projects/pp/models/ml_q", "Qwen/Qwen3.5-9B-FP8": "x"},
    }
)


def public_role(extra: str = "", hardware: str = H100) -> str:
    return f"  chat:\n    model: Qwen/Qwen3.5-9B\n    hardware: {hardware}\n{extra}"


class TestPublicModels:
    """A public base model (Together's supported-models) runs one of its deployment profiles: the
    plan picks it by hardware, quantization or profile id and says which, at what price (docs:
    dedicated-model-inference/models-and-configs.md, "A model usually has more than one profile")."""

    def test_the_plan_picks_the_profile_and_says_which_at_what_price(self) -> None:
        plan = make_plan(loads(manifest(public_role("    quantization: fp8\n"))), {}, {}, PUBLIC, now=NOW)
        (action,) = plan.actions
        assert action.desired is not None and action.desired.model == "Qwen/Qwen3.5-9B-FP8"
        assert action.reason == f"not deployed yet; profile cr_fp8: FP8 on {H100} at $3.99/h per replica"

    def test_the_only_profile_on_the_hardware_needs_no_quantization(self) -> None:
        plan = make_plan(loads(manifest(public_role(hardware=H100x2))), {}, {}, PUBLIC, now=NOW)
        assert "profile cr_bf16_2: BF16" in plan.actions[0].reason and plan.cost_after.low == pytest.approx(7.98)

    def test_a_profile_id_chooses_it(self) -> None:
        plan = make_plan(loads(manifest(public_role("    profile: cr_bf16\n"))), {}, {}, PUBLIC, now=NOW)
        assert plan.actions[0].desired is not None and plan.actions[0].desired.model == "Qwen/Qwen3.5-9B"

    def test_several_profiles_on_the_hardware_are_ambiguous(self) -> None:
        with pytest.raises(ModelNotAvailable, match="2 deployment profiles on 1x_nvidia_h100_80gb_sxm") as refused:
            make_plan(loads(manifest(public_role())), {}, {}, PUBLIC, now=NOW)
        assert refused.value.hint == "its profiles there: cr_bf16 (BF16); cr_fp8 (FP8)"

    def test_no_profile_on_the_hardware_lists_the_profiles(self) -> None:
        with pytest.raises(ModelNotAvailable, match=r"no deployment profile of Qwen/Qwen3\.5-9B runs on .* at FP8"):
            make_plan(loads(manifest(public_role("    quantization: FP8\n", hardware=H100x2))), {}, {}, PUBLIC, now=NOW)

    def test_a_quantization_for_a_project_model_is_refused(self) -> None:
        with pytest.raises(ModelNotAvailable, match=r"models\.planning\.quantization: 'org/small' is not a public"):
            plan_for(manifest(SMALL + "    quantization: FP8\n"))

    def test_a_deployed_profile_is_up_to_date(self) -> None:
        spec = Spec(model="Qwen/Qwen3.5-9B-FP8", hardware=H100, min_replicas=1, max_replicas=1)
        actual = {"chat": remote("chat", spec=spec)}
        applied = {"chat": record(actual["chat"])}
        plan = make_plan(loads(manifest(public_role("    quantization: FP8\n"))), actual, applied, PUBLIC, now=NOW)
        assert [a.kind for a in plan.actions] == ["noop"]
