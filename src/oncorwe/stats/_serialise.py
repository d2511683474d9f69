"""Turn statistics results into plain JSON values (NaN and infinity become null)."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-ready Python: dicts, lists, floats, ints, str, None."""
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.to_dict(orient="records")]
    if isinstance(value, dict):
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
    return value


def to_json(value: Any, indent: int | None = 2) -> str:
    """JSON text of ``jsonable(value)``."""
    return json.dumps(jsonable(value), indent=indent, allow_nan=False)


class SerialisableResult:
    """Mixin for frozen result dataclasses whose fields are all plain values: ``to_dict`` and
    ``to_json`` of every field."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return jsonable(dataclasses.asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)
