"""oncorwe.engine: where table expressions run (DuckDB embedded, PostgreSQL, Spark).

The seam between oncorwe and a database engine: code above it writes Ibis expressions, and
``Engine.query`` compiles them to the engine's SQL and runs them there. Only per-patient rows
and aggregated counts come back to Python.
"""

from oncorwe.engine.connect import DIALECTS, ENGINES, Engine, connect

__all__ = ["DIALECTS", "ENGINES", "Engine", "connect"]
