"""A role's candidate in shadow: a share of the role's answered requests asked again of it, off the
request path, and whether it agreed with what was served.

`reasoning rollout shadow ROLE` deploys the candidate beside the live deployment, out of the
traffic split, and records it in the store; `Shadow.refresh` (the services' refresher) reads that
record. A role is shadowed while the manifest declares its candidate and `shadow.share` and the
recorded deployment runs that candidate.

The gate calls `offer(role, usage, sample)` once a role's custom model answered. With probability
`share` the request as served (the sample's prompt, unredacted: it only lives in this process's
memory, as the recorder's queue does), the served answer and its latency are put on a bounded
queue; a full queue drops the job (counted for /metrics), so the request never waits. One worker
thread sends each job to the shadow deployment pinned by name (Together's
`<project_slug>/<endpoint_name>/<deployment_name>`), compares, and writes a `ShadowResult` per
job to the store in batches. Tests run the worker's loop on their own thread with `drain()`.

Agreement, per role:
    should_respond  the same decision (RESPOND / IGNORE / STOP)
    planning        the same actions list
    coding          (and any other role) the candidate's answer is usable (its tool calls have
                    JSON arguments) and names the same tools, in order; without tools, some text
A served answer that cannot be read (a decision model's unparseable text) is not compared. A
candidate that answers nothing usable (an HTTP error, a timeout, not JSON) is a failure: recorded
with `failed` and the reason, and counted as disagreement.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controlplane import clock
from controlplane.errors import StoreError
from controlplane.manifest import Manifest
from controlplane.store import Sample, Store, Usage
from controlplane.values.shadow import ShadowDeployment, ShadowResult
from runtime.errors import ParseError
from runtime.parse import parse_plan, parse_should_respond

log = logging.getLogger(__name__)

#: Jobs that may wait for the worker; past this, a job is dropped.
MAX_QUEUE = 256
#: How long the candidate may take to answer a shadowed request.
TIMEOUT_SECONDS = 60.0
#: Results written per store transaction.
BATCH = 64


@dataclass(frozen=True)
class Job:
    role: str
    shadow: ShadowDeployment
    request: dict[str, Any]
    served: str
    served_latency_ms: float


@dataclass(frozen=True)
class ShadowStats:
    queued: int
    offered: int  # jobs put on the queue
    dropped: int  # jobs dropped because the queue was full
    compared: int  # results written
    failed: int  # candidate calls that gave no usable answer


Send = Callable[[dict[str, Any]], dict[str, Any]]


class Shadow:
    def __init__(
        self,
        manifest: Manifest,
        store: Store,
        send: Send,
        *,
        max_queue: int = MAX_QUEUE,
        chance: Callable[[], float] = random.random,
        threaded: bool = True,
    ) -> None:
        self.manifest = manifest
        self.store = store
        self._send = send
        self._chance = chance
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=max_queue)
        self._active: Mapping[str, ShadowDeployment] = {}
        self._lock = threading.Lock()
        self._offered = self._dropped = self._compared = self._failed = 0
        self._pending: list[ShadowResult] = []
        self._thread: threading.Thread | None = None
        self.threaded = threaded  # False: no worker thread, the owner calls `drain()` (tests)

    @classmethod
    def over_http(
        cls, manifest: Manifest, store: Store, chat_url: str, headers: Mapping[str, str], **options: Any
    ) -> Shadow:
        """A shadow that POSTs to the inference target (stdlib HTTP: it runs on its own thread)."""
        head = {"content-type": "application/json", **headers}

        def send(body: dict[str, Any]) -> dict[str, Any]:
            request = urllib.request.Request(chat_url, data=json.dumps(body).encode(), headers=head, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                    raw = response.read()
            except urllib.error.HTTPError as error:
                raise CandidateFailed(f"HTTP {error.code}") from None
            except (urllib.error.URLError, OSError) as error:
                raise CandidateFailed(f"unreachable ({type(error).__name__})") from None
            try:
                answer = json.loads(raw)
            except ValueError:
                raise CandidateFailed("the answer is not JSON") from None
            if not isinstance(answer, dict):
                raise CandidateFailed("the answer is not a JSON object")
            return answer

        return cls(manifest, store, send, **options)

    # -- what the refresher and the gate call --------------------------------------------------

    def refresh(self) -> bool:
        """Which roles are shadowed, from the store and the manifest; False when the store failed."""
        try:
            recorded = self.store.shadow_deployments(self.manifest.project)
        except StoreError as error:
            log.warning("shadow: could not read the shadow deployments: %s", error)
            return False
        active = {}
        for role, shadow in recorded.items():
            declared = self.manifest.models.get(role)
            if declared is not None and declared.shadow is not None and declared.candidate == shadow.model:
                active[role] = shadow
        self._active = active
        return True

    def offer(self, role: str, usage: Usage, sample: Sample | None) -> bool:
        """After `role`'s custom model answered: maybe queue the request for its shadow. Never
        blocks, never raises; True if queued."""
        try:
            shadow = self._active.get(role)
            declared = self.manifest.models.get(role)
            if shadow is None or declared is None or declared.shadow is None or sample is None:
                return False
            if sample.format != "openai" or self._chance() >= declared.shadow.share:
                return False
            job = Job(role, shadow, dict(sample.prompt), sample.answer, usage.latency_ms)
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                with self._lock:
                    self._dropped += 1
                return False
            with self._lock:
                self._offered += 1
            return True
        except Exception:  # the request path never pays for the shadow
            log.exception("shadow: offer failed")
            return False

    def stats(self) -> ShadowStats:
        with self._lock:
            return ShadowStats(self._queue.qsize(), self._offered, self._dropped, self._compared, self._failed)

    # -- the worker ----------------------------------------------------------------------------

    def start(self) -> Shadow:
        if self._thread is None and self.threaded:
            self._thread = threading.Thread(target=self._loop, name="reasoning-shadow", daemon=True)
            self._thread.start()
        return self

    def drain(self) -> int:
        """Compare every job queued now, on this thread, and write the results; how many."""
        done = 0
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._pending.append(self.compare(job))
                done += 1
        self._flush()
        return done

    def close(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=timeout)
            self._thread.join(timeout)
            self._thread = None
        self._flush()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                break
            try:
                self._pending.append(self.compare(job))
                if len(self._pending) >= BATCH or self._queue.empty():
                    self._flush()
            except Exception:  # a bug must not end the worker: the queue would fill and drop all
                log.exception("shadow: a comparison failed")

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            self.store.record_shadow_results(batch)
        except StoreError as error:  # comparisons are a sample: lose the batch, say so
            log.warning("shadow: %d result(s) not written: %s", len(batch), error)
            return
        with self._lock:
            self._compared += len(batch)
            self._failed += sum(1 for r in batch if r.failed)

    def compare(self, job: Job) -> ShadowResult:
        """Ask the candidate, and compare its answer with the served one."""
        body = {k: v for k, v in job.request.items() if k not in ("stream", "stream_options")}
        body["model"] = job.shadow.pinned
        started = clock.monotonic()
        result: dict[str, Any] = {
            "project": self.manifest.project,
            "role": job.role,
            "model": job.shadow.model,
            "served_latency_ms": job.served_latency_ms,
        }
        try:
            answer = self._send(body)
            latency = (clock.monotonic() - started) * 1000
            candidate = _answer_text(answer)
        except Exception as error:  # whatever went wrong, the worker goes on: a failure recorded
            reason = str(error) if isinstance(error, CandidateFailed) else type(error).__name__
            return ShadowResult(**result, at=clock.now(), agree=False, failed=True, reason=reason)
        agree, why = agrees(job.role, job.served, candidate)
        return ShadowResult(**result, at=clock.now(), agree=agree, candidate_latency_ms=latency, reason=why)


class CandidateFailed(Exception):
    """The shadow deployment gave no usable answer."""


def _answer_text(answer: dict[str, Any]) -> str:
    """The candidate's answer as a sample keeps one: the text, or `{"content", "tool_calls"}` JSON."""
    try:
        message = answer["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise CandidateFailed("no choices[0].message in the answer") from None
    calls = message.get("tool_calls")
    if calls:
        return json.dumps({"content": message.get("content"), "tool_calls": calls})
    content = message.get("content")
    return content if isinstance(content, str) else ""


def agrees(role: str, served: str, candidate: str) -> tuple[bool, str | None]:
    """Whether the candidate's answer agrees with the served one for `role`, and why not."""
    if role == "should_respond":
        try:
            want = parse_should_respond(served).decision
        except ParseError:
            return False, "served answer unreadable"
        try:
            got = parse_should_respond(candidate).decision
        except ParseError:
            return False, "candidate's decision unreadable"
        return got == want, None if got == want else f"{got} instead of {want}"
    if role == "planning":
        try:
            wanted = parse_plan(served).actions
        except ParseError:
            return False, "served answer unreadable"
        try:
            actions = parse_plan(candidate).actions
        except ParseError:
            return False, "candidate's plan unreadable"
        return actions == wanted, None if actions == wanted else f"actions {actions} instead of {wanted}"
    want_tools = _tool_names(served)
    got_tools = _tool_names(candidate)
    if got_tools is None:
        return False, "candidate's tool calls do not parse"
    if want_tools is None:
        want_tools = []
    if got_tools != want_tools:
        return False, f"tools {got_tools} instead of {want_tools}"
    if not got_tools and not candidate.strip():
        return False, "candidate answered nothing"
    return True, None


def _tool_names(answer: str) -> list[str] | None:
    """The tools an answer calls, in order ([] for plain text); None if its calls do not parse."""
    try:
        message = json.loads(answer)
    except ValueError:
        return []
    if not isinstance(message, dict) or "tool_calls" not in message:
        return []
    names = []
    for call in message.get("tool_calls") or []:
        try:
            function = call["function"]
            arguments = function.get("arguments") or "{}"
            parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
            if not isinstance(parsed, dict) or not isinstance(function["name"], str):
                return None
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        names.append(function["name"])
    return names
