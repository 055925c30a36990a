"""The one clock, and the fake the tests put behind it: what every other test relies on."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from controlplane import clock
from tests.support.clock import START, FakeClock


class TestTheClock:
    def test_now_is_timezone_aware_utc(self) -> None:
        assert clock.now().utcoffset() == timedelta(0)


class TestTheFakeClock:
    def test_stands_at_start_until_moved(self, frozen: FakeClock) -> None:
        assert clock.now() == clock.now() == START
        assert frozen.tick(timedelta(minutes=5)) == clock.now() == START + timedelta(minutes=5)
        assert frozen.tick(2.5) == START + timedelta(minutes=5, seconds=2.5)

    def test_sleeping_moves_both_clocks_on_at_once(self, frozen: FakeClock) -> None:
        before = clock.monotonic()
        clock.sleep(3600)
        clock.sleep(-1)  # a wait already over changes nothing
        assert clock.now() == START + timedelta(hours=1)
        assert clock.monotonic() - before == 3600

    def test_moving_the_wall_clock_back_leaves_monotonic_where_it_is(self, frozen: FakeClock) -> None:
        before = clock.monotonic()
        frozen.move_to("2026-11-24 08:00")
        assert clock.now() == START - timedelta(hours=1) and clock.monotonic() == before
        frozen.move_to("2026-11-24 10:00")
        assert clock.monotonic() - before == 7200

    def test_a_naive_time_is_utc_and_an_aware_one_is_converted(self, frozen: FakeClock) -> None:
        berlin = timezone(timedelta(hours=1))
        assert frozen.move_to(datetime(2026, 12, 1, 12, 0)) == datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
        assert frozen.move_to(datetime(2026, 12, 1, 12, 0, tzinfo=berlin)).hour == 11
        assert frozen.move_to(datetime(2026, 12, 1).date()) == datetime(2026, 12, 1, tzinfo=timezone.utc)

    def test_other_threads_read_the_same_time(self, frozen: FakeClock) -> None:
        frozen.move_to("2027-01-01 00:00")
        seen: list[datetime] = []
        thread = threading.Thread(target=lambda: seen.append(clock.now()))
        thread.start()
        thread.join()
        assert seen == [datetime(2027, 1, 1, tzinfo=timezone.utc)]
