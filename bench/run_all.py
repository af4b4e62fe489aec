"""Run every xlpy benchmark in turn and print their tables (one process per bench, same machine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    import os
    import platform

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# xlpy benchmarks — Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"load average before the run {load}"
    )
    failed = 0
    for name in sorted(p.name for p in HERE.glob("bench_*.py")):  # every bench, including other parts
        result = subprocess.run([sys.executable, str(HERE / name)], cwd=HERE, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
