"""The long run: the close at growing sizes, and a log-log chart of time and memory.

    python -m bench.scale [--orders 1000000 10000000 100000000] [--mode month]
    python -m bench.scale --chart          # redraw from the recorded results only

Each size runs :mod:`bench.bench_close` in its own process (inputs made directly in
DuckDB; the close beside a plain ``INSERT … SELECT`` of as many postings). Results are
appended to ``docs/img/scale-results.json`` as each size finishes, so a size that does
not finish leaves the ones that did; ``docs/img/scale.html`` is the chart (plotly)
with each line's fitted slope: 1.0 is linear growth.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from bench.report import parse

ROOT: Final = Path(__file__).resolve().parent.parent
RESULTS: Final = ROOT / "docs" / "img" / "scale-results.json"
CHART: Final = ROOT / "docs" / "img" / "scale.html"


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of log(y) on log(x) (None with fewer than two points)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    num = sum((x - mx) * (y - my) for x, y in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return num / den if den else None


def load() -> list[dict[str, object]]:
    return json.loads(RESULTS.read_text()) if RESULTS.is_file() else []


def chart(rows: list[dict[str, object]]) -> str:
    """Write the chart; returns the slopes line for the docs."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = sorted(rows, key=lambda r: int(str(r["orders"])))
    orders = [float(str(r["orders"])) for r in rows]
    series = {
        "close seconds": [float(str(r["seconds"])) for r in rows],
        "baseline seconds": [float(str(r["baseline_seconds"])) for r in rows],
        "close peak MiB": [float(str(r["peak_mib"])) for r in rows],
    }
    disk = [r for r in rows if r.get("disk_peak_mib")]
    titles = ("time (s)", "peak memory (MiB)", "peak disk (MiB)")
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles)
    notes = []
    traces = [(name, orders, ys, 2 if "MiB" in name else 1) for name, ys in series.items()]
    traces.append(
        (
            "close peak disk MiB",
            [float(str(r["orders"])) for r in disk],
            [float(str(r["disk_peak_mib"])) for r in disk],
            3,
        )
    )
    for name, xs, ys, col in traces:
        k = slope(xs, ys)
        label = f"{name} (slope {k:.2f})" if k is not None else name
        notes.append(label)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=label), row=1, col=col)
    fig.update_xaxes(type="log", title_text="orders in the month")
    fig.update_yaxes(type="log")
    fig.update_layout(title="Month close on one 2-core machine (log-log)")
    CHART.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(CHART, include_plotlyjs="cdn")
    return "; ".join(notes)


def _run(command: list[str]) -> str:
    """The bench's output; on Ctrl-C the bench is asked to stop (SIGINT), so it removes its
    scratch warehouses, rather than killed."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        try:
            out, _ = child.communicate()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            child.wait()
            raise
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command, out)
    return out


def disk_needed_mib(rows: list[dict[str, object]], orders: int) -> float | None:
    """Disk a close of ``orders`` orders needs (inputs, journal, spill and the baseline's
    file), scaled from the largest recorded size that measured its disk; None if none did."""
    measured = [r for r in rows if r.get("disk_peak_mib") and r.get("baseline_db_mib")]
    if not measured:
        return None
    top = max(measured, key=lambda r: int(str(r["orders"])))
    per_order = (float(str(top["disk_peak_mib"])) + float(str(top["baseline_db_mib"]))) / int(
        str(top["orders"])
    )
    return per_order * orders * 1.2  # a fifth more: spill does not grow exactly linearly


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--mode", default="month", choices=("month", "daily", "both"))
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--shops", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="Directory for the warehouses (large).")
    parser.add_argument("--chart", action="store_true", help="Only redraw the chart.")
    args = parser.parse_args()
    if args.keep is not None and not args.keep.is_dir():
        parser.error(f"--keep {args.keep}: no such folder (give an existing one on a large disk)")
    not_run: list[str] = []
    if not args.chart:
        where = args.keep or Path(tempfile.gettempdir())
        for n in args.orders:
            need = disk_needed_mib(load(), n)
            free = shutil.disk_usage(where).free / 2**20
            if need is not None and need > free:
                note = (
                    f"{n:,} orders not run: by the largest size measured it needs about "
                    f"{need / 1024:,.0f} GiB of disk at {where}, and {free / 1024:,.0f} GiB is free"
                    " (give a larger disk with --keep)"
                )
                print(note, flush=True)
                not_run.append(note)
                continue
            command = [sys.executable, "-m", "bench.bench_close", "--orders", str(n)]
            command += ["--shops", str(args.shops), "--memory", args.memory, "--mode", args.mode]
            if args.keep:
                command += ["--keep", str(args.keep)]
            out = _run(command)
            print(out, flush=True)
            for result in parse(out):
                close = result.extra.get(str(result.extra.get("mode")), {})
                close = close if isinstance(close, dict) else {}
                baseline = result.extra.get("baseline", {})
                baseline = baseline if isinstance(baseline, dict) else {}
                rows = [r for r in load() if r["orders"] != n or r.get("mode") != args.mode]
                rows.append(
                    {
                        "orders": n,
                        "mode": args.mode,
                        "memory_limit": args.memory,
                        "seconds": result.seconds,
                        "postings": result.rows,
                        "peak_mib": result.peak_mib,
                        "baseline_seconds": result.baseline_seconds,
                        "ratio": result.ratio,
                        "cpu_seconds": close.get("cpu_seconds"),
                        "baseline_cpu_seconds": baseline.get("cpu_seconds"),
                        "disk_peak_mib": close.get("disk_peak_mib"),
                        "spill_peak_mib": close.get("spill_peak_mib"),
                        "baseline_db_mib": baseline.get("db_mib"),
                        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "detail": result.extra,
                    }
                )
                RESULTS.parent.mkdir(parents=True, exist_ok=True)
                RESULTS.write_text(json.dumps(rows, indent=1, default=str))
    print(chart([r for r in load() if r.get("mode") == args.mode]))
    if not_run:
        raise SystemExit("\n".join(not_run))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print(
            "bench.scale: stopped (Ctrl-C); the sizes that finished are in"
            " docs/img/scale-results.json",
            file=sys.stderr,
        )
        raise SystemExit(130) from None
