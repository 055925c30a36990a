"""The manifest: `reasoning.yaml` as validated, typed values (schema) and the one loader."""

from controlplane.manifest.loader import DEFAULT_FILE, SourceMap, load, loads
from controlplane.manifest.schema import Manifest, Role, endpoint_name

__all__ = ["DEFAULT_FILE", "Manifest", "Role", "SourceMap", "endpoint_name", "load", "loads"]
