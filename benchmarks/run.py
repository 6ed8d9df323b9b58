"""``make bench``: evhub against flodym, side by side in one run.

1. The fleet module (inflow-driven stock model) against flodym's
   ``InflowDrivenDSM`` on the same cases: one scenario, and 1,000 scenarios
   (evhub's run axis against flodym with a scenario dimension).
2. One full deterministic run of the four shipped Türkiye scenarios through
   the Python API (load, resolve, the whole chain, labelled results), and the
   same with writing iamc.csv and the DuckDB store.

Times are medians of repeats in one process; whole-process timings (including
interpreter start) are a different measurement.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_fleet

import evhub

REPEATS = 7


def _median_ms(function, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    print("== Fleet module: evhub vs flodym (same inputs, same process) ==")
    bench_fleet.run(print)
    print()
    print("== Whole chain: the four shipped Türkiye scenarios ==")
    data = evhub.load_dataset()
    evhub.run(dataset=data)  # warm-up (imports, caches)
    run_ms = _median_ms(lambda: evhub.run(dataset=data))
    with tempfile.TemporaryDirectory() as tmp:
        write_ms = _median_ms(lambda: evhub.run(dataset=data).write(Path(tmp) / "out"))
    print(f"{'run (4 scenarios, 2000-2060, deterministic)':<50} {run_ms:>10.1f} ms")
    print(f"{'  per scenario':<50} {run_ms / 4:>10.1f} ms")
    print(f"{'run + write iamc.csv, scorecard.csv, evhub.duckdb':<50} {write_ms:>10.1f} ms")
    print(f"(median of {REPEATS} repeats)")


if __name__ == "__main__":
    main()
