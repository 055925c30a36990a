"""What the provider offers: hardware with prices, models, and which hardware fits which model.

A pure value the plan reads for prices and for validating the manifest's choices; the provider
builds it with a handful of calls per refresh. Public base models (Together's supported-models
catalog) come with their deployment profiles, from which the plan picks one.
"""

from __future__ import annotations

import difflib
import functools

from controlplane.values.common import Value


class Hardware(Value):
    id: str
    name: str
    usd_per_hour: float
    gpu_type: str = ""
    gpu_count: int = 0


class Profile(Value):
    """A certified way to run a public model: which weights, on which hardware, at which precision."""

    id: str
    #: the weights' name as Together deploys them (`Qwen/Qwen3.5-9B-FP8`): what the plan's spec names
    model: str
    #: instance type id
    hardware: str
    quantization: str = ""


class Catalog(Value):
    hardware: dict[str, Hardware]
    #: model name -> Together resource name (`projects/p/models/ml_x`, a platform's for public models)
    models: dict[str, str]
    #: model name -> instance type id -> config resource name (only for the models asked about)
    configs: dict[str, dict[str, str]] = {}
    #: public model name -> its deployment profiles (only for the public models asked about)
    public: dict[str, tuple[Profile, ...]] = {}

    def find_hardware(self, wanted: str) -> Hardware | None:
        """By instance type id or by Together's v2 deployable name (`1xnvidia-h100-80gb`), the name
        also without its vendor prefix or in another case, as SDK `lib/cli/api/endpoints/_utils/
        _hardware_pricing.py::find_instance_type` matches it: whichever form Together reports."""
        if wanted in self.hardware:
            return self.hardware[wanted]
        exact, loose = _forms(tuple((key, item.id, item.name) for key, item in self.hardware.items()))
        found = exact.get(wanted) or loose.get(_loose(wanted))
        return self.hardware[found] if found is not None else None

    def canonical_hardware(self, reported: str) -> str:
        """The instance type id for hardware as a deployment reports it (unknown forms kept as they are)."""
        found = self.find_hardware(reported)
        return found.id if found is not None else reported

    def suggest_hardware(self, wanted: str) -> str | None:
        close = difflib.get_close_matches(wanted, list(self.hardware), n=1, cutoff=0.5)
        return close[0] if close else None

    def price(self, hardware: str) -> float:
        found = self.find_hardware(hardware)
        return found.usd_per_hour if found else 0.0


@functools.lru_cache(maxsize=16)
def _forms(hardware: tuple[tuple[str, str, str], ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Each instance type's key in the catalog (of `(key, id, name)`) by its exact name, and by its loose name and
    id (the first one wins, as the scan it replaces did): a refresh of 1,000 roles looks hardware
    up thousands of times, so the cache is keyed by strings, cheap to hash and compare (keyed by
    the `Hardware` values, each lookup hashed and compared every field of every instance type)."""
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for key, id_, name in hardware:
        exact.setdefault(name, key)
        loose.setdefault(_loose(name), key)
        loose.setdefault(_loose(id_), key)
    return exact, loose


def _loose(name: str) -> str:
    return name.lower().replace("nvidia-", "").replace("nvidia_", "")


def _published(gpu: str, count: int, memory_gib: int, cents_per_gpu_hour: int) -> Hardware:
    kind = f"{gpu.lower()}_{memory_gib}gb"
    return Hardware(
        id=f"{count}x_nvidia_{kind}_sxm",
        name=f"{count}xnvidia-{kind.replace('_', '-')}",
        usd_per_hour=count * cents_per_gpu_hour / 100,
        gpu_type=gpu,
        gpu_count=count,
    )


#: Together's published instance types and per-GPU prices (docs.together.ai, as
#: reference/together-api.md section 8 quotes them); the simulator serves the same catalog
#: (tests/provider check they agree). `reasoning validate` checks hardware against it offline,
#: so it rejects what `plan` would; `plan` and `reasoning hardware` read the provider's own.
PUBLISHED_HARDWARE: tuple[Hardware, ...] = (
    *(_published("H100", count, 80, 399) for count in (1, 2, 4, 8)),
    *(_published("H200", count, 140, 549) for count in (1, 2)),
    *(_published("B200", count, 180, 995) for count in (1, 2)),
)


def published_catalog() -> Catalog:
    return Catalog(hardware={h.id: h for h in PUBLISHED_HARDWARE}, models={})
