"""Run every benchmark at its default size, one after another: ``python -m bench``.

Each benchmark prints its own side-by-side figures; record them in
``docs/performance.md``. Pass benchmark names to run only some:
``python -m bench bench_fees bench_close``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(names: list[str]) -> None:
    here = Path(__file__).parent
    available = sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")
    )
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise SystemExit(f"unknown benchmarks: {', '.join(unknown)}; known: {', '.join(available)}")
    for name in names or available:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        saved = sys.argv
        sys.argv = [name]  # each benchmark parses its own (default) arguments
        try:
            module.main()
        finally:
            sys.argv = saved


if __name__ == "__main__":
    main(sys.argv[1:])
