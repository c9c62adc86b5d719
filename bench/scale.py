"""The long run: a stage at growing sizes, and a log-log chart of time and memory.

    python -m bench.scale [--orders 1000000 10000000 100000000] [--mode month]
    python -m bench.scale --stage fees --orders 1000000 10000000 100000000
    python -m bench.scale --mode daily --layout paid --no-keys --prepare-memory 14GB \
        --orders 1000000 10000000 100000000   # the close day by day, as a marketplace runs it
    python -m bench.scale --record run.log  # a run made by hand, kept in a log
    python -m bench.scale --chart          # redraw from the recorded results only

Each size runs the stage's bench in its own process, inputs made directly in DuckDB:
``--stage close`` (the default) runs :mod:`bench.bench_close` (the close beside a plain
``INSERT … SELECT`` of as many postings); ``--stage fees`` runs :mod:`bench.bench_fees`
over the whole month (the fee stage beside a plain ``CREATE TABLE AS`` of the lines it
wrote; ``--mode daily``: one run per day), under ``--memory`` as ``MERCHANTRY_MEMORY_LIMIT``.
Results are appended to ``docs/img/scale-results.json`` as each size finishes, so a size that
does not finish leaves the ones that did; ``docs/img/scale.html`` is the chart (plotly): a
line per stage and mode in CPU seconds, peak memory and peak disk, each with its fitted
slope (1.0 is linear growth). A size is not started when the free disk cannot hold it by the
largest run of the same stage and mode recorded.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench.report import Result, parse

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


STAGES: Final = ("close", "fees")
"""The stages the long run can time; a recorded row without ``stage`` is the close's."""


def stage_of(row: dict[str, object]) -> str:
    return str(row.get("stage", "close"))


HOW: Final = {"daily": "day by day", "month": "the month at once"}


def chart(rows: list[dict[str, object]]) -> str:
    """Write the chart of ``rows`` (every stage's and mode's: one line each, time in CPU
    seconds, which a machine shared with other work disturbs less than wall time); returns
    the slopes line for the docs."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    titles = ("CPU seconds", "peak memory (MiB)", "peak disk (MiB)")
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles)
    notes = []
    modes = sorted({str(r.get("mode", "month")) for r in rows})
    for stage in STAGES:
        for mode in modes:
            mine = sorted(
                (r for r in rows if stage_of(r) == stage and str(r.get("mode", "month")) == mode),
                key=lambda r: int(str(r["orders"])),
            )
            if not mine:
                continue
            name = "close" if stage == "close" else "fee stage"
            if len(modes) > 1:
                name = f"{name} ({HOW.get(mode, mode)})"
            notes += _traces(fig, go, name, mine)
    fig.update_xaxes(type="log", title_text="orders in the month")
    fig.update_yaxes(type="log")
    shown = ", ".join(HOW.get(m, m) for m in modes)
    fig.update_layout(title=f"A month's stages on one 2-core machine, {shown} (log-log)")
    CHART.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(CHART, include_plotlyjs="cdn")
    return "; ".join(notes)


def _traces(fig: Any, go: Any, name: str, mine: list[dict[str, object]]) -> list[str]:
    """One stage's and mode's lines (CPU, its baseline's CPU, peak memory, peak disk), each
    labelled with its fitted slope; a row without a figure leaves that point out."""

    def points(key: str) -> tuple[list[float], list[float]]:
        have = [r for r in mine if r.get(key)]
        return [float(str(r["orders"])) for r in have], [float(str(r[key])) for r in have]

    notes = []
    for label, key, col in (
        (f"{name} CPU s", "cpu_seconds", 1),
        (f"{name} baseline CPU s", "baseline_cpu_seconds", 1),
        (f"{name} peak MiB", "peak_mib", 2),
        (f"{name} peak disk MiB", "disk_peak_mib", 3),
    ):
        xs, ys = points(key)
        if not xs:
            continue
        k = slope(xs, ys)
        shown = f"{label} (slope {k:.2f})" if k is not None else label
        notes.append(shown)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=shown), row=1, col=col)
    return notes


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    """The bench's output; on Ctrl-C the bench is asked to stop (SIGINT), so it removes its
    scratch warehouses, rather than killed."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as child:
        try:
            out, _ = child.communicate()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            child.wait()
            raise
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command, out)
    return out


def disk_needed_mib(
    rows: list[dict[str, object]], orders: int, stage: str = "close", mode: str = "month"
) -> float | None:
    """Disk a run of ``stage`` in ``mode`` at ``orders`` orders needs (inputs, outputs, spill
    and the baseline's file), scaled from the largest recorded run of that stage and mode
    that measured its disk; None if none did. A month closed day by day needs far less than
    the month at once (no month-sized spill), so one mode's runs say nothing of the other's."""
    measured = [
        r
        for r in rows
        if stage_of(r) == stage and str(r.get("mode", "month")) == mode and r.get("disk_peak_mib")
    ]
    if not measured:
        return None
    top = max(measured, key=lambda r: int(str(r["orders"])))
    used = float(str(top["disk_peak_mib"])) + float(str(top.get("baseline_db_mib") or 0))
    return used / int(str(top["orders"])) * orders * 1.2  # a fifth more: spill grows faster


def _command(args: argparse.Namespace, orders: int, where: Path) -> list[str]:
    if args.stage == "fees":
        db = where / f"bench_fees_{orders}.duckdb"
        return [
            sys.executable, "-m", "bench.bench_fees", "--orders", str(orders), "--stage-only",
            "--stage-repeat", "1", "--stage-days", "31", "--layout", "paid", "--db", str(db),
        ] + (["--by-day"] if args.mode == "daily" else [])  # fmt: skip
    command = [sys.executable, "-m", "bench.bench_close", "--orders", str(orders)]
    command += ["--shops", str(args.shops), "--memory", args.memory, "--mode", args.mode]
    command += ["--layout", args.layout] + (["--no-keys"] if args.no_keys else [])
    if args.prepare_memory:
        command += ["--prepare-memory", args.prepare_memory]
    if args.keep:
        command += ["--keep", str(args.keep)]
    return command


def _row(args: argparse.Namespace, orders: int, result: Result) -> dict[str, object]:
    if args.stage == "fees":  # bench_fees reports its figures flat
        mine = result.extra
        baseline = {"cpu_seconds": mine.get("baseline_cpu_seconds")}
    else:  # bench_close nests them under the side's name and "baseline"
        close = result.extra.get(str(result.extra.get("mode")), {})
        mine = close if isinstance(close, dict) else {}
        found = result.extra.get("baseline", {})
        baseline = found if isinstance(found, dict) else {}
    return {
        "stage": args.stage,
        "orders": orders,
        "mode": args.mode,
        "memory_limit": args.memory,
        "seconds": result.seconds,
        "postings" if args.stage == "close" else "lines": result.rows,
        "peak_mib": result.peak_mib,
        "baseline_seconds": result.baseline_seconds,
        "ratio": result.ratio,
        "cpu_seconds": mine.get("cpu_seconds"),
        "baseline_cpu_seconds": baseline.get("cpu_seconds"),
        "disk_peak_mib": mine.get("disk_peak_mib"),
        "spill_peak_mib": mine.get("spill_peak_mib"),
        "baseline_db_mib": baseline.get("db_mib"),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "detail": result.extra,
    }


def _same_run(row: dict[str, object], stage: str, orders: int, mode: str) -> bool:
    return stage_of(row) == stage and row["orders"] == orders and row.get("mode") == mode


def _keep(args: argparse.Namespace, orders: int, result: Result) -> None:
    """Record ``result`` in place of any earlier run of the same stage, size and mode."""
    rows = [r for r in load() if not _same_run(r, args.stage, orders, args.mode)]
    rows.append(_row(args, orders, result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=1, default=str))


def _as_logged(args: argparse.Namespace, result: Result) -> argparse.Namespace | None:
    """``args`` with the stage, mode and memory limit a logged run was made with, read from
    its result (so a run recorded by hand cannot be filed under another mode); None when
    the result is not one the long run records."""
    extra = result.extra
    if result.bench == "close":
        mode = "daily" if str(extra.get("mode", "")).startswith("daily") else "month"
        memory = extra.get("memory") or args.memory
    elif result.bench == "fees":
        mode = "daily" if extra.get("by_day") else "month"
        memory = args.memory
    else:
        return None
    if "orders" not in extra:
        return None
    stage = "close" if result.bench == "close" else "fees"
    return argparse.Namespace(**{**vars(args), "stage": stage, "mode": mode, "memory": memory})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--stage", default="close", choices=STAGES)
    parser.add_argument("--mode", default="month", choices=("month", "daily", "both"))
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--shops", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="Directory for the warehouses (large).")
    parser.add_argument(
        "--layout",
        choices=("shuffled", "paid"),
        default="shuffled",
        help="The close's input: dated tables hashed, or in time order as a daily ingest "
        "appends them (bench_close --layout).",
    )
    parser.add_argument(
        "--no-keys",
        action="store_true",
        help="The close's input without primary keys (needed at 100 M orders: their "
        "indexes do not fit in memory while the input is made).",
    )
    parser.add_argument(
        "--prepare-memory", help="memory_limit while the close's input is made (bench_close)."
    )
    parser.add_argument(
        "--record",
        type=Path,
        metavar="LOG",
        help="Record the result in LOG, the output of a run of bench_close or bench_fees "
        "made by hand (e.g. a 100 M-order run kept in a log), instead of running one; its "
        "stage, size and mode are read from the log.",
    )
    parser.add_argument("--chart", action="store_true", help="Only redraw the chart.")
    args = parser.parse_args()
    if args.record is not None:
        if not args.record.is_file():
            parser.error(f"--record {args.record}: no such file (give the log a run printed)")
        found = parse(args.record.read_text(errors="replace"))
        if len(found) != 1:
            parser.error(
                f"--record {args.record}: {len(found)} result lines in it, where a finished"
                " run prints one (a run that stopped early records nothing)"
            )
        logged = _as_logged(args, found[0])
        if logged is None:
            parser.error(
                f"--record {args.record}: its result ({found[0].bench!r}) is not one the long"
                " run records: bench_close's or bench_fees', with the orders it was made at"
            )
        _keep(logged, int(str(found[0].extra["orders"])), found[0])
        print(chart(load()))
        return
    if args.keep is not None and not args.keep.is_dir():
        parser.error(f"--keep {args.keep}: no such folder (give an existing one on a large disk)")
    if any(n < 1 for n in args.orders):
        parser.error("--orders: every size must be at least one order")
    if args.stage == "fees" and args.mode == "both":
        parser.error("--stage fees runs one mode at a time: --mode month or --mode daily")
    not_run: list[str] = []
    if not args.chart:
        where = args.keep or Path(tempfile.gettempdir())
        for n in args.orders:
            need = disk_needed_mib(load(), n, args.stage, args.mode)
            free = shutil.disk_usage(where).free / 2**20
            if need is not None and need > free:
                note = (
                    f"{args.stage}: {n:,} orders not run: by the largest size measured it needs"
                    f" about {need / 1024:,.0f} GiB of disk at {where}, and"
                    f" {free / 1024:,.0f} GiB is free (give a larger disk with --keep)"
                )
                print(note, flush=True)
                not_run.append(note)
                continue
            env = {**os.environ, "MERCHANTRY_MEMORY_LIMIT": args.memory}
            try:
                out = _run(_command(args, n, where), env)
            except subprocess.CalledProcessError as failed:
                print(failed.output, flush=True)
                note = f"{args.stage}: {n:,} orders failed (exit {failed.returncode}); see above"
                print(note, flush=True)
                not_run.append(note)
                continue
            print(out, flush=True)
            for result in parse(out):
                _keep(args, n, result)
    print(chart(load()))
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
