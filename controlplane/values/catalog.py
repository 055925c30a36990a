"""What the provider offers: hardware with prices, models, and which hardware fits which model.

A pure value the plan reads for prices and for validating the manifest's choices; the provider
builds it with a handful of calls per refresh.
"""

from __future__ import annotations

import difflib

from controlplane.values.common import Value


class Hardware(Value):
    id: str
    name: str
    usd_per_hour: float


class Catalog(Value):
    hardware: dict[str, Hardware]
    #: model name -> Together resource name (`projects/p/models/ml_x`)
    models: dict[str, str]
    #: model name -> instance type id -> config resource name (only for the models asked about)
    configs: dict[str, dict[str, str]] = {}

    def find_hardware(self, wanted: str) -> Hardware | None:
        """By instance type id, or by Together's v2 display name (`1xnvidia-h100-80gb`)."""
        if wanted in self.hardware:
            return self.hardware[wanted]
        return next((h for h in self.hardware.values() if h.name == wanted), None)

    def suggest_hardware(self, wanted: str) -> str | None:
        close = difflib.get_close_matches(wanted, list(self.hardware), n=1, cutoff=0.5)
        return close[0] if close else None

    def price(self, hardware: str) -> float:
        found = self.find_hardware(hardware)
        return found.usd_per_hour if found else 0.0
