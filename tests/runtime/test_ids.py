"""Fresh ids (`runtime.ids`): unique within a process and across processes."""

from __future__ import annotations

import os
import re

from runtime.ids import fresh_hex


class TestFreshIds:
    def test_each_call_gives_a_new_id_of_32_hex_digits(self) -> None:
        ids = [fresh_hex() for _ in range(1000)]
        assert len(set(ids)) == 1000
        assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)

    def test_a_forked_child_does_not_repeat_its_parents_ids(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its next id, to the parent
            os.write(write, fresh_hex().encode())
            os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        child = os.read(read, 64).decode()
        os.close(read)
        assert child[:16] != fresh_hex()[:16]
