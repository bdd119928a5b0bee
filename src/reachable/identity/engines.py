"""The engines Splink runs on: DuckDB in-process (default) or Spark (local mode here, a cluster in production)."""

from __future__ import annotations

import importlib
import os
import tempfile
from typing import Any

ENGINES = ("duckdb", "spark")


def duckdb_api() -> Any:
    """A fresh in-memory DuckDB for one linkage job (data arrives through Arrow; no extension is loaded)."""
    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect(":memory:", config={"autoload_known_extensions": False,
                                                    "autoinstall_known_extensions": False})
    return DuckDBAPI(connection)


def spark_api(*, master: str | None = None, checkpoint_dir: str | None = None) -> Any:
    """A Spark session with Splink's similarity UDF jar, or a clear error when pyspark is not installed.

    Cluster settings come from the usual Spark environment (`REACHABLE_SPARK_MASTER`, `spark-defaults.conf`);
    see docs/linkage.md.
    """
    try:
        SparkSession = importlib.import_module("pyspark.sql").SparkSession
        spark_backend: Any = importlib.import_module("splink.backends.spark")
    except ImportError as error:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("the Spark engine needs the optional extra: pip install 'reachable[spark]'") from error
    master = master or os.environ.get("REACHABLE_SPARK_MASTER", "local[2]")
    session = (SparkSession.builder.master(master).appName("reachable-linkage")
               .config("spark.jars", spark_backend.similarity_jar_location())
               .config("spark.sql.shuffle.partitions", os.environ.get("REACHABLE_SPARK_PARTITIONS", "8"))
               .config("spark.default.parallelism", os.environ.get("REACHABLE_SPARK_PARTITIONS", "8"))
               .config("spark.ui.enabled", "false")
               .getOrCreate())
    session.sparkContext.setCheckpointDir(checkpoint_dir or tempfile.mkdtemp(prefix="reachable-spark-"))
    session.sparkContext.setLogLevel("ERROR")
    return spark_backend.SparkAPI(spark_session=session)


def make_api(engine: str) -> Any:
    """The Splink database API for an engine name."""
    if engine == "duckdb":
        return duckdb_api()
    if engine == "spark":
        return spark_api()
    raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
