"""The hypothesis fuzz of the scenario loader at full size (``make bench``).

Runs ``tests/hostile/test_fuzz.py`` with ``EVHUB_FUZZ_EXAMPLES`` examples of
random overrides (and a third as many as files and as raw bytes), in a fresh
pytest process, and reports the examples, the time and whether any input ended
in anything but evhub's own input error (a failing test).

    python benchmarks/bench_fuzz.py [--examples N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = 10_000  # goal: this many random scenarios with no unhandled exception


def fuzz(examples: int = EXAMPLES) -> dict[str, float | int | bool]:
    """Run the fuzz once; return examples, seconds and whether it passed."""
    env = {**os.environ, "EVHUB_FUZZ_EXAMPLES": str(examples)}
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/hostile/test_fuzz.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout[-4000:])
    total = examples + 2 * max(examples // 3, 50)
    return {"examples": total, "seconds": seconds, "passed": done.returncode == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=EXAMPLES)
    result = fuzz(parser.parse_args().examples)
    verdict = "PASS" if result["passed"] else "FAIL"
    print(
        f"scenario-loader fuzz: {result['examples']:,} examples in {result['seconds']:.0f} s, "
        f"no unhandled exception: {verdict}"
    )


if __name__ == "__main__":
    main()
