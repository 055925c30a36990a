"""croniter, imported without the subprocess its import starts.

croniter asks at import whether Python is 32-bit, through `platform.architecture()`, which runs
`file -b` on the interpreter: a fork and an exec, 20-30 ms of wall time in every command that
reads a shutdown window (`reasoning plan` on the quickstart). The interpreter's own pointer size
answers the same question, so while croniter is imported `platform.architecture` answers from it
for this interpreter (any other executable still gets the real answer).
"""

from __future__ import annotations

import platform
import struct
import sys


def _import_croniter() -> None:
    if "croniter" in sys.modules:
        return
    real = platform.architecture

    def architecture(executable: str = sys.executable, bits: str = "", linkage: str = "") -> tuple[str, str]:
        if executable != sys.executable:
            return real(executable, bits, linkage)
        return bits or f"{struct.calcsize('P') * 8}bit", linkage

    platform.architecture = architecture
    try:
        import croniter  # noqa: F401
    finally:
        platform.architecture = real


_import_croniter()

from croniter import CroniterBadDateError, croniter  # noqa: E402

__all__ = ["CroniterBadDateError", "croniter"]
