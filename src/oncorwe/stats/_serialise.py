"""Turn statistics results into plain JSON values (NaN and infinity become null)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-ready Python: dicts, lists, floats, ints, str, None."""
    if isinstance(value, SerialisableResult):
        return value.to_dict()
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.to_dict(orient="records")]
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(item) for item in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return value


def to_json(value: Any, indent: int | None = 2) -> str:
    """JSON text of ``jsonable(value)``."""
    return json.dumps(jsonable(value), indent=indent, allow_nan=False)


# Field metadata a result may declare (``field(metadata=...)``) to shape its JSON:
NOT_SERIALISED = {"serialise": False}  # recorded on the object, not written
INLINE = {"inline": True}  # a mapping whose entries are written at this level
OMIT_IF_NONE = {"omit_none": True}  # no key at all (rather than null) when None


class SerialisableResult:
    """Mixin for frozen result dataclasses: ``to_dict`` and ``to_json`` of every field, nested
    results included, shaped by the field metadata above."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field (in field order)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if not f.metadata.get("serialise", True):
                continue
            if value is None and f.metadata.get("omit_none"):
                continue
            if f.metadata.get("inline"):
                out.update(jsonable(value))
            else:
                out[f.name] = jsonable(value)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)
