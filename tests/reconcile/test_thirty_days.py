"""Thirty simulated days of `reconcile` (issue 4's acceptance run), on the in-process simulator.

January 2027, a monthly budget of $2,280, a reconcile round every two hours (a cron job's
`0 */2 * * *`; a round costs ~11 ms of CPU here, so 15-minute rounds for 30 days would take half
a minute: TICK is the one constant to change, the expectation follows it), and:

- planning: 2 x H100 ($7.98/h), a shutdown window every night 21:00-08:00 Europe/Berlin (20:00
  to 07:00 UTC in winter);
- should_respond: 1 x H100 ($3.99/h), stops after 60 idle minutes and wakes on demand; an agent
  calls it on weekdays every 30 minutes from 09:05 to 16:35 UTC, $0.01 a request when it
  answers, nothing when the request falls back because the role is down;
- coding: disabled, never runs.

Every start and stop happens at the first round that can make it. The expected ledger is
written out in closed form from that schedule (which intervals each role runs, when the
budget's money is gone), independently of the ledger and costs code, and the ledger must equal
it exactly: every interval, and the total to the cent. Billing follows the ledger's rule: from
the round that asks for replicas to the round that stops them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from controlplane import costs
from controlplane.manifest import loads
from controlplane.project import Project, store_url
from controlplane.provider import SIMULATOR_URL, Provider
from controlplane.provider.simulator.api import Simulator
from controlplane.provider.simulator.transport import SimulatorTransport
from controlplane.provider.together import TogetherClient
from controlplane.reconcile import reconcile
from controlplane.store import Usage, open_store
from tests.support.clock import FakeClock

START = datetime(2027, 1, 1, tzinfo=timezone.utc)  # a Friday
DAYS = 30
TICK = timedelta(hours=2)
LIMIT = Decimal(2280)
REQUEST_USD = Decimal("0.01")
PRICE = {"planning": Decimal("7.98"), "should_respond": Decimal("3.99")}  # per hour, all replicas
IDLE = timedelta(minutes=60)
ROUNDS = DAYS * timedelta(days=1) // TICK + 1  # from START to the end of day 30, both included

MANIFEST = f"""\
version: 1
project: month
provider: {{type: simulator, provision_seconds: 0}}
store: {{url: "sqlite:///state.db"}}
budget: {{limit_usd: {LIMIT}, period: month}}
models:
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
    replicas: 2
    shutdown_windows: [{{cron: "0 21 * * *", duration: 11h, timezone: Europe/Berlin}}]
  should_respond:
    model: moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond
    hardware: 1x_nvidia_h100_80gb_sxm
    replicas: 1
    idle_shutdown_minutes: {IDLE.seconds // 60}
  coding:
    model: moonmakesmagic/DeepSeek-Llama-67B-coding
    hardware: 2x_nvidia_h100_80gb_sxm
    enabled: false
"""


def requests_on(day: datetime) -> list[datetime]:
    """The agent's calls to should_respond on `day` (midnight UTC): weekdays, 09:05 to 16:35."""
    if day.weekday() >= 5:
        return []
    first = day + timedelta(hours=9, minutes=5)
    return [first + timedelta(minutes=30 * k) for k in range(16)]


# -- the expectation, from the schedule alone ---------------------------------------------------


def next_tick(moment: datetime) -> datetime:
    """The first reconcile round at or after `moment`."""
    ticks = -((START - moment) // TICK)  # ceiling division
    return START + ticks * TICK


@dataclass(frozen=True)
class Span:
    role: str
    start: datetime
    end: datetime

    def usd(self, until: datetime) -> Decimal:
        hours = Decimal(max(min(self.end, until) - self.start, timedelta(0)) // timedelta(seconds=1)) / 3600
        return PRICE[self.role] * hours


def scheduled() -> list[Span]:
    """What each role would run, with no budget, each change made by the first round that can:
    planning outside its window (20:00-07:00 UTC); should_respond from its creation until idle,
    then from the round after each weekday's first request until an hour after its last one."""
    spans = [Span("should_respond", START, next_tick(START + IDLE))]  # created at once, never called
    for n in range(DAYS):
        day = START + timedelta(days=n)
        spans.append(Span("planning", next_tick(day + timedelta(hours=7)), next_tick(day + timedelta(hours=20))))
        calls = requests_on(day)
        if calls:
            spans.append(Span("should_respond", next_tick(calls[0]), next_tick(calls[-1] + IDLE)))
    return sorted(spans, key=lambda s: (s.start, s.role))


def answered(spans: list[Span]) -> list[datetime]:
    """Requests that found should_respond up (and cost $0.01): the others went to the fallback."""
    return [
        call
        for n in range(DAYS)
        for call in requests_on(START + timedelta(days=n))
        if any(s.role == "should_respond" and s.start <= call < s.end for s in spans)
    ]


def expected() -> tuple[list[Span], datetime]:
    """The ledger as the schedule and the budget make it: everything stops at the first round
    that sees the month's spend (hardware up to it, requests at or before it) at or over the
    limit, and nothing starts again this month."""
    spans = scheduled()
    calls = answered(spans)

    def spent(at: datetime) -> Decimal:
        hardware = sum((s.usd(at) for s in spans if s.start < at), Decimal(0))
        return hardware + REQUEST_USD * sum(1 for call in calls if call <= at)

    stop = next(START + n * TICK for n in range(ROUNDS) if spent(START + n * TICK) >= LIMIT)
    cut = [Span(s.role, s.start, min(s.end, stop)) for s in spans if s.start < stop]
    return cut, stop


# -- the run ------------------------------------------------------------------------------------


class InMemory(SimulatorTransport):
    """The in-process simulator with its world in memory rather than in a file: the same API,
    without reading and writing the world on each of a month's requests."""

    def __init__(self) -> None:
        self.simulator = Simulator(provision_seconds=0)


@pytest.fixture
def project(tmp_path: Path, frozen: FakeClock) -> Iterator[Project]:
    frozen.move_to(START)
    manifest = loads(MANIFEST, base_dir=tmp_path)
    client = TogetherClient(SIMULATOR_URL, "simulator", project_id=None, transport=InMemory(), max_retries=0)
    with client, open_store(store_url(manifest), manifest.path(".")) as store:
        yield Project(manifest, Provider(client, manifest.project), store)


def traffic(project: Project, since: datetime, until: datetime) -> None:
    """What the runtime would record for the calls in (since, until]: answered while the role is
    up in the store's applied state (as the proxy reads it), sent to the fallback otherwise."""
    calls = [c for c in requests_on(since.replace(hour=0, minute=0)) if since < c <= until]
    if not calls:
        return
    applied = project.store.applied("month").get("should_respond")
    up = applied is not None and applied.enabled and not applied.spec.stopped
    project.store.record(
        usage=[
            Usage(
                project="month",
                role="should_respond",
                at=call,
                input_tokens=900,
                output_tokens=40,
                cost_usd=float(REQUEST_USD) if up else 0.0,
                outcome="ok" if up else "fallback",
                reason=None if up else "role stopped",
            )
            for call in calls
        ]
    )


def test_thirty_days_of_reconcile_bill_exactly_the_schedule_and_stop_at_the_budget(
    project: Project, frozen: FakeClock
) -> None:
    spans, stop = expected()
    # by hand: planning runs 08:00-20:00 (12 h x $7.98), should_respond 10:00-18:00 on weekdays
    # (8 h x $3.99, 14 answered calls) and 00:00-02:00 on the first day. Through Jan 19: 135.80
    # (day 1) + 12 weekdays x 127.82 + 6 weekend days x 95.76 = 2,244.20; on Wed Jan 20 that is
    # 2,260.16 at 10:00 and 2,284.14 at 12:00, the first round at or over the limit
    assert (stop.day, stop.strftime("%a %H:%M")) == (20, "Wed 12:00"), "the budget runs out on day 20"

    burn_at_stop = Decimal(0)
    previous = START - TICK
    for n in range(ROUNDS):
        now = START + n * TICK
        frozen.move_to(now)
        traffic(project, previous, now)
        if now == stop:
            burn_at_stop = costs.spend(project.store, project.manifest, now).burn_usd_per_hour
        reconcile(project)
        previous = now
    end = START + timedelta(days=DAYS)

    # every interval, as the schedule says (the ledger's spans, per role, in order)
    intervals = project.store.ledger("month")
    assert {i.role for i in intervals} == {"planning", "should_respond"}
    got = sorted(((i.role, i.started_at, i.ended_at) for i in intervals), key=lambda s: (s[1], s[0]))
    assert got == [(s.role, s.start, s.end) for s in spans]
    assert all(i.replicas == (2 if i.role == "planning" else 1) and i.cents_per_hour == 399 for i in intervals)

    # the ledger's total equals the expectation to the cent (exactly: rounds fall on the hour)
    hardware = sum((s.usd(end) for s in spans), Decimal(0))
    requests = REQUEST_USD * len(answered(spans))
    spend = costs.spend(project.store, project.manifest, end)
    assert spend.hardware_usd == hardware == Decimal("2282.28")
    assert spend.requests_usd == requests == Decimal("1.86")  # 14 answered a weekday, 9:05 and 9:35 fall back
    assert spend.usd == hardware + requests

    # spend never exceeded the budget by more than one round's burn: it only grows, and stopped here
    overshoot = spend.usd - LIMIT
    assert Decimal(0) <= overshoot <= burn_at_stop * Decimal(TICK.seconds) / 3600
    assert burn_at_stop == PRICE["planning"] + PRICE["should_respond"] and spend.burn_usd_per_hour == 0

    # why: the budget stop is on record, and wake-on-demand did not override it afterwards
    events = [e for e in project.store.events("month") if e.kind in ("start", "stop") and e.at >= stop]
    assert [(e.role, e.kind, e.at) for e in events] == [("planning", "stop", stop), ("should_respond", "stop", stop)]
    reason = "budget spent 2,284.14 of 2,280.00 USD this month (resets 2027-02-01 00:00 UTC)"
    assert {e.reason for e in events} == {reason}
    # every later call fell back (the 10 left on the 20th, 16 on each of 7 weekdays) and cost nothing
    later = project.store.usage("month", since=stop)
    assert len(later) == 10 + 16 * 7 and {(u.outcome, u.cost_usd) for u in later} == {("fallback", 0.0)}
