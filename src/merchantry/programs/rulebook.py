"""Programme rulebooks: YAML in, checked :class:`Programme` values out.

A programme rulebook (``rulebooks/programs/*.yaml``) says who is eligible, the window, the
tasks a merchant completes (each a measurable condition over the event tables), the rewards
each task grants, per-merchant caps per reward kind, and budgets. Every number and every
date span is a mapping that says where it comes from: ``{value: N, source: ...}`` or
``{value: N, assumption: true, note: ...}``. A bad rulebook gets every problem at once, each
with file, line and the key path (``tasks.first-order.count``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, has_errors
from merchantry.model.tables import SHOP_TAGS, STORE_TYPES
from merchantry.rulebook.yamlcheck import Number, check_file, load_named, read_yaml, shipped_folder
from merchantry.rulebook.yamlcheck import Report as _Report
from merchantry.rulebook.yamlcheck import known_keys as _keys
from merchantry.rulebook.yamlcheck import mapping as _mapping
from merchantry.rulebook.yamlcheck import text_value as _text
from merchantry.rulebook.yamlsource import LineList, LineMap

REWARD_KINDS: Final = ("traffic_coupon", "ad_coupon", "commission_discount", "fee_waiver", "cash")
"""What a task grants: 流量券 traffic coupon, 随心推 ad coupon, 佣金优惠 commission discount,
fee waiver credit, or cash from a fund (paid into the shop's available balance)."""
COUPON_KINDS: Final = tuple(k for k in REWARD_KINDS if k != "cash")
"""Rewards the platform owes until they are spent or expire (posted to a liability)."""

TASK_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "products_listed": ("count",),
    "orders": ("count",),
    "orders_shipped_within": ("count", "hours"),
    "live_orders": ("count",),
    "daily_sales_over": ("amount_fen",),
    "monthly_sales_at_least": ("amount_fen",),
    "score_reached": ("score_cp",),
}
"""Task conditions and the numbers each needs (see ``docs/programs.md``)."""

_RANGES: Final[dict[str, tuple[int, int]]] = {
    "count": (1, 1_000_000),
    "hours": (1, 24 * 366),
    "amount_fen": (1, 10**15),
    "score_cp": (1, 100_000),
    "within_days": (1, 3_660),
    "days_since_entry_max": (0, 36_600),
    "expiry_days": (1, 3_660),
    "days": (1, 366),
    "min_bp": (0, 10_000),
    "total_fen": (0, 10**16),
    "per_merchant_fen": (0, 10**16),
    "per_month_fen": (0, 10**16),
    "min_fen": (0, 10**15),
    "max_fen": (0, 10**15),
    "cap_fen": (0, 10**15),
}


@dataclass(frozen=True, slots=True)
class Span:
    """A date span (both days included) with where it comes from."""

    start: date
    end: date
    source: str
    assumption: bool
    note: str
    line: int

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Listed:
    """A list of names (industries, regions…) with where it comes from."""

    values: tuple[str, ...]
    source: str
    assumption: bool
    note: str
    line: int


SHIP_HOURS_DEFAULT: Final = 48
"""The shipping gate's deadline when a programme states none (the gate's name says 48)."""


@dataclass(frozen=True, slots=True)
class Gate:
    """A rate gate over the ``days`` before the day it is checked."""

    min_bp: Number
    days: Number
    hours: Number | None = None
    """The shipping gate's deadline after payment (``None``: :data:`SHIP_HOURS_DEFAULT`)."""


@dataclass(frozen=True, slots=True)
class GmvBand:
    """GMV (paid goods, fen) over the ``days`` before the check: ``min_fen`` ≤ GMV < ``max_fen``."""

    days: Number
    min_fen: Number | None
    max_fen: Number | None


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who may take part. Empty/``None`` parts do not restrict.

    Static parts (entry window, store type, industry, region, county, tags) are read from
    ``shops``; gates (GMV band, score, settlement rate, fast shipping) are checked on the day a
    task completes, over the days before it.
    """

    entered: Span | None = None
    days_since_entry_max: Number | None = None
    store_types: Listed | None = None
    industries: Listed | None = None
    category_names: Listed | None = None
    regions: Listed | None = None
    counties: Listed | None = None
    tags_any: Listed | None = None
    gmv_band: GmvBand | None = None
    score_min_cp: Number | None = None
    settlement_rate: Gate | None = None
    shipped_48h_rate: Gate | None = None


@dataclass(frozen=True, slots=True)
class Reward:
    """What a completed task grants."""

    kind: str
    amount_fen: Number
    expiry_days: Number | None
    """Days a coupon stays usable after the grant; ``None`` for cash."""


@dataclass(frozen=True, slots=True)
class Task:
    """A measurable condition over the event tables, and what completing it grants."""

    id: str
    title: str
    kind: str
    numbers: dict[str, Number]
    within_days: Number | None
    """Must complete within this many days of the shop's start in the programme."""
    rewards: tuple[Reward, ...]
    status: str
    """A status the shop earns (e.g. 北斗之星), empty when none."""
    line: int

    def n(self, name: str) -> int:
        return self.numbers[name].value


@dataclass(frozen=True, slots=True)
class Budget:
    """Budget limits in fen; ``None`` = no limit of that kind."""

    total_fen: Number | None = None
    per_merchant_fen: Number | None = None
    per_month_fen: Number | None = None


@dataclass(frozen=True, slots=True)
class OrderSubsidy:
    """A coupon-subsidy plan: platform coupons on matching orders are charged to the programme."""

    industries: Listed | None
    store_types: Listed | None
    tags_any: Listed | None
    cap_fen: Number | None
    """Most the programme funds on one order."""


@dataclass(frozen=True, slots=True)
class Programme:
    """One checked programme rulebook."""

    name: str
    title_zh: str
    title_en: str
    platform: str
    source_file: str
    window: Span
    eligibility: Eligibility
    tasks: tuple[Task, ...]
    caps: dict[str, Number]
    """Per-merchant cap per reward kind (fen)."""
    budget: Budget
    order_subsidy: OrderSubsidy | None = None
    sources: tuple[str, ...] = field(default=())
    signup_required: bool = False
    """Shops take part from the day they sign up (``program_signups``), not from entry."""

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)

    def numbers(self) -> list[tuple[str, Number]]:
        """Every number of the rulebook with its key path (for the provenance tests)."""
        out: list[tuple[str, Number]] = []
        e = self.eligibility
        for key in ("days_since_entry_max", "score_min_cp"):
            value = getattr(e, key)
            if value is not None:
                out.append((f"eligibility.{key}", value))
        if e.gmv_band is not None:
            for key in ("days", "min_fen", "max_fen"):
                value = getattr(e.gmv_band, key)
                if value is not None:
                    out.append((f"eligibility.gmv_band.{key}", value))
        for gate_key in ("settlement_rate", "shipped_48h_rate"):
            gate = getattr(e, gate_key)
            if gate is not None:
                out += [(f"eligibility.{gate_key}.min_bp", gate.min_bp)]
                out += [(f"eligibility.{gate_key}.days", gate.days)]
                if gate.hours is not None:
                    out += [(f"eligibility.{gate_key}.hours", gate.hours)]
        for task in self.tasks:
            out += [(f"tasks.{task.id}.{k}", v) for k, v in task.numbers.items()]
            if task.within_days is not None:
                out.append((f"tasks.{task.id}.within_days", task.within_days))
            for i, reward in enumerate(task.rewards):
                out.append((f"tasks.{task.id}.rewards[{i}].amount_fen", reward.amount_fen))
                if reward.expiry_days is not None:
                    out.append((f"tasks.{task.id}.rewards[{i}].expiry_days", reward.expiry_days))
        out += [(f"caps.{k}", v) for k, v in self.caps.items()]
        for key in ("total_fen", "per_merchant_fen", "per_month_fen"):
            value = getattr(self.budget, key)
            if value is not None:
                out.append((f"budget.{key}", value))
        if self.order_subsidy is not None and self.order_subsidy.cap_fen is not None:
            out.append(("order_subsidy.cap_fen", self.order_subsidy.cap_fen))
        return out


def _provenance(spec: LineMap, where: str, rep: _Report) -> tuple[str, bool, str]:
    assumption = spec.get("assumption", False)
    source = spec.get("source", "")
    note = spec.get("note", "")
    if not isinstance(assumption, bool):
        rep.error(
            spec.line_of("assumption"),
            "not-a-boolean",
            f"{where}.assumption must be true or false",
            where=where,
        )
        assumption = False
    if assumption and not (isinstance(note, str) and note.strip()):
        rep.error(
            spec.line,
            "assumption-without-note",
            f"{where} is an assumption without a note saying why",
            "add note: why this value was chosen and what an operator should set",
            where=where,
        )
    if not assumption and not (isinstance(source, str) and source.strip()):
        rep.error(
            spec.line,
            "number-without-source",
            f"{where} has neither a source nor assumption: true",
            where=where,
        )
    return str(source or ""), assumption, str(note or "")


def _number(
    node: LineMap, key: str, where: str, rep: _Report, *, range_key: str = ""
) -> Number | None:
    if key not in node:
        return None
    raw, line, path = node.get(key), node.line_of(key), f"{where}.{key}"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        rep.error(
            line,
            "number-without-provenance",
            f"{path} is a bare number; say where it comes from",
            "write {value: N, source: ...} or {value: N, assumption: true, note: ...}",
            where=path,
        )
        return None
    spec = _mapping(raw, path, line, rep)
    if spec is None:
        return None
    _keys(spec, ("value",), ("source", "assumption", "note"), path, rep)
    value = spec.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        rep.error(
            spec.line_of("value"), "not-an-integer", f"{path}.value must be an integer", where=path
        )
        return None
    low, high = _RANGES.get(range_key or key, (0, 10**15))
    if not low <= value <= high:
        rep.error(
            spec.line_of("value"),
            "out-of-range",
            f"{path} is {value}, outside {low}..{high}",
            where=path,
        )
    source, assumption, note = _provenance(spec, path, rep)
    return Number(value, source, assumption, note, spec.line_of("value"))


def _span(node: LineMap, key: str, where: str, rep: _Report) -> Span | None:
    if key not in node:
        return None
    path = f"{where}.{key}"
    spec = _mapping(node.get(key), path, node.line_of(key), rep)
    if spec is None:
        return None
    _keys(spec, ("from", "to"), ("source", "assumption", "note"), path, rep)
    start, end = spec.get("from"), spec.get("to")
    for name, value in (("from", start), ("to", end)):
        if name in spec and not isinstance(value, date):
            rep.error(
                spec.line_of(name),
                "bad-date",
                f"{path}.{name} must be a date (YYYY-MM-DD), not {value!r}",
                where=path,
            )
    source, assumption, note = _provenance(spec, path, rep)
    if not isinstance(start, date) or not isinstance(end, date):
        return None
    if end < start:
        rep.error(spec.line_of("to"), "span-reversed", f"{path} ends before it starts", where=path)
        return None
    return Span(start, end, source, assumption, note, spec.line)


def _listed(
    node: LineMap, key: str, vocabulary: Sequence[str] | None, where: str, rep: _Report
) -> Listed | None:
    if key not in node:
        return None
    path = f"{where}.{key}"
    spec = _mapping(node.get(key), path, node.line_of(key), rep)
    if spec is None:
        return None
    _keys(spec, ("values",), ("source", "assumption", "note"), path, rep)
    raw = spec.get("values")
    if not isinstance(raw, LineList) or not raw or not all(isinstance(v, str) for v in raw):
        rep.error(
            spec.line_of("values"),
            "not-a-list",
            f"{path}.values must be a non-empty list of names",
            where=path,
        )
        return None
    if vocabulary is not None:
        for value, at in zip(raw, raw.item_lines, strict=True):
            if value not in vocabulary:
                rep.error(
                    at,
                    "unknown-name",
                    f"{path}: unknown {value!r}",
                    "known: " + ", ".join(vocabulary),
                    where=path,
                )
    source, assumption, note = _provenance(spec, path, rep)
    return Listed(tuple(str(v) for v in raw), source, assumption, note, spec.line)


def _gate(node: LineMap, key: str, where: str, rep: _Report) -> Gate | None:
    if key not in node:
        return None
    path = f"{where}.{key}"
    spec = _mapping(node.get(key), path, node.line_of(key), rep)
    if spec is None:
        return None
    _keys(spec, ("min_bp", "days"), ("hours",) if key == "shipped_48h_rate" else (), path, rep)
    min_bp, days = _number(spec, "min_bp", path, rep), _number(spec, "days", path, rep)
    hours = _number(spec, "hours", path, rep)
    return Gate(min_bp, days, hours) if min_bp and days else None


_ELIGIBILITY_KEYS: Final = (
    "entered",
    "days_since_entry_max",
    "store_types",
    "industries",
    "category_names",
    "regions",
    "counties",
    "tags_any",
    "gmv_band",
    "score_min_cp",
    "settlement_rate",
    "shipped_48h_rate",
)


def _eligibility(root: LineMap, rep: _Report) -> Eligibility:
    if "eligibility" not in root:
        return Eligibility()
    node = _mapping(root.get("eligibility"), "eligibility", root.line_of("eligibility"), rep)
    if node is None:
        return Eligibility()
    where = "eligibility"
    _keys(node, (), _ELIGIBILITY_KEYS, where, rep)
    band: GmvBand | None = None
    if "gmv_band" in node:
        spec = _mapping(node.get("gmv_band"), "eligibility.gmv_band", node.line_of("gmv_band"), rep)
        if spec is not None:
            path = "eligibility.gmv_band"
            _keys(spec, ("days",), ("min_fen", "max_fen"), path, rep)
            days = _number(spec, "days", path, rep)
            low, high = _number(spec, "min_fen", path, rep), _number(spec, "max_fen", path, rep)
            if low is None and high is None:
                rep.error(spec.line, "empty-band", f"{path} needs min_fen, max_fen or both")
            if low and high and high.value <= low.value:
                rep.error(high.line, "band-reversed", f"{path}.max_fen must exceed min_fen")
            band = GmvBand(days, low, high) if days else None
    return Eligibility(
        entered=_span(node, "entered", where, rep),
        days_since_entry_max=_number(node, "days_since_entry_max", where, rep),
        store_types=_listed(node, "store_types", STORE_TYPES, where, rep),
        industries=_listed(node, "industries", None, where, rep),
        category_names=_listed(node, "category_names", None, where, rep),
        regions=_listed(node, "regions", None, where, rep),
        counties=_listed(node, "counties", None, where, rep),
        tags_any=_listed(node, "tags_any", SHOP_TAGS, where, rep),
        gmv_band=band,
        score_min_cp=_number(node, "score_min_cp", where, rep, range_key="score_cp"),
        settlement_rate=_gate(node, "settlement_rate", where, rep),
        shipped_48h_rate=_gate(node, "shipped_48h_rate", where, rep),
    )


def _rewards(raw: Any, line: int, where: str, rep: _Report) -> tuple[Reward, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, LineList):
        rep.error(line, "not-a-list", f"{where} must be a list of rewards", where=where)
        return ()
    out: list[Reward] = []
    for i, (item, at) in enumerate(zip(raw, raw.item_lines, strict=True)):
        path = f"{where}[{i}]"
        node = _mapping(item, path, at, rep)
        if node is None:
            continue
        _keys(node, ("kind", "amount_fen"), ("expiry_days",), path, rep)
        kind = node.get("kind")
        if kind not in REWARD_KINDS:
            rep.error(
                node.line_of("kind"),
                "unknown-reward",
                f"{path}.kind: unknown reward kind {kind!r}",
                "known: " + ", ".join(REWARD_KINDS),
                where=path,
            )
            continue
        amount = _number(node, "amount_fen", path, rep)
        expiry = _number(node, "expiry_days", path, rep)
        if kind in COUPON_KINDS and expiry is None and "expiry_days" not in node:
            rep.error(
                node.line,
                "coupon-without-expiry",
                f"{path}: a {kind} needs expiry_days (unspent coupons are released on expiry)",
                where=path,
            )
        if kind == "cash" and "expiry_days" in node:
            rep.error(
                node.line_of("expiry_days"),
                "cash-with-expiry",
                f"{path}: cash is paid out and does not expire",
                where=path,
            )
        if amount is not None:
            out.append(Reward(str(kind), amount, expiry))
    return tuple(out)


def _tasks(root: LineMap, rep: _Report) -> tuple[Task, ...]:
    raw, line = root.get("tasks"), root.line_of("tasks")
    if raw is None:
        return ()
    if not isinstance(raw, LineList):
        rep.error(line, "not-a-list", "tasks must be a list", where="tasks")
        return ()
    out: list[Task] = []
    seen: set[str] = set()
    for item, at in zip(raw, raw.item_lines, strict=True):
        node = _mapping(item, "task", at, rep)
        if node is None:
            continue
        task_id = _text(node, "id", "task", rep)
        where = f"tasks.{task_id or '?'}"
        kind = node.get("kind")
        needs = TASK_KINDS.get(str(kind), ())
        _keys(
            node,
            ("id", "title", "kind", *needs),
            ("within_days", "rewards", "status"),
            where,
            rep,
        )
        if kind not in TASK_KINDS:
            rep.error(
                node.line_of("kind"),
                "unknown-task-kind",
                f"{where}.kind: unknown task condition {kind!r}",
                "known: " + ", ".join(TASK_KINDS),
                where=where,
            )
            continue
        if task_id in seen:
            rep.error(node.line_of("id"), "duplicate-id", f"task {task_id} is declared twice")
        seen.add(task_id)
        numbers = {k: n for k in needs if (n := _number(node, k, where, rep)) is not None}
        rewards = _rewards(node.get("rewards"), node.line_of("rewards"), f"{where}.rewards", rep)
        status = node.get("status", "")
        if not isinstance(status, str):
            rep.error(node.line_of("status"), "not-text", f"{where}.status must be text")
            status = ""
        if not rewards and not status:
            rep.error(
                node.line,
                "task-grants-nothing",
                f"{where} grants neither a reward nor a status",
                where=where,
            )
        out.append(
            Task(
                id=task_id,
                title=_text(node, "title", where, rep),
                kind=str(kind),
                numbers=numbers,
                within_days=_number(node, "within_days", where, rep),
                rewards=rewards,
                status=status,
                line=at,
            )
        )
    return tuple(out)


def _caps(root: LineMap, rep: _Report) -> dict[str, Number]:
    if "caps" not in root:
        return {}
    node = _mapping(root.get("caps"), "caps", root.line_of("caps"), rep)
    if node is None:
        return {}
    _keys(node, (), REWARD_KINDS, "caps", rep)
    return {k: n for k in REWARD_KINDS if (n := _number(node, k, "caps", rep, range_key="cap_fen"))}


def _budget(root: LineMap, rep: _Report) -> Budget:
    if "budget" not in root:
        return Budget()
    node = _mapping(root.get("budget"), "budget", root.line_of("budget"), rep)
    if node is None:
        return Budget()
    keys = ("total_fen", "per_merchant_fen", "per_month_fen")
    _keys(node, (), keys, "budget", rep)
    return Budget(*(_number(node, k, "budget", rep) for k in keys))


def _order_subsidy(root: LineMap, rep: _Report) -> OrderSubsidy | None:
    if "order_subsidy" not in root:
        return None
    where = "order_subsidy"
    node = _mapping(root.get(where), where, root.line_of(where), rep)
    if node is None:
        return None
    _keys(node, (), ("industries", "store_types", "tags_any", "cap_fen"), where, rep)
    return OrderSubsidy(
        industries=_listed(node, "industries", None, where, rep),
        store_types=_listed(node, "store_types", STORE_TYPES, where, rep),
        tags_any=_listed(node, "tags_any", SHOP_TAGS, where, rep),
        cap_fen=_number(node, "cap_fen", where, rep),
    )


_TOP_REQUIRED: Final = ("program", "title_zh", "title_en", "platform", "window")
_TOP_OPTIONAL: Final = (
    "signup_required",
    "sources",
    "eligibility",
    "tasks",
    "caps",
    "budget",
    "order_subsidy",
)


def parse_programme(text: str, source: str) -> tuple[Programme | None, list[Diagnostic]]:
    """Check a programme rulebook's text: the programme, or ``None`` and every problem."""
    rep = _Report(source)
    doc, unreadable = read_yaml(text, source)
    if unreadable is not None:
        return None, [unreadable]
    root = _mapping(doc, "the rulebook", 1, rep)
    if root is None:
        return None, rep.found
    _keys(root, _TOP_REQUIRED, _TOP_OPTIONAL, "rulebook", rep)
    window = _span(root, "window", "rulebook", rep)
    eligibility = _eligibility(root, rep)
    tasks = _tasks(root, rep)
    subsidy = _order_subsidy(root, rep)
    if not tasks and subsidy is None:
        rep.error(root.line, "nothing-to-run", "a programme needs tasks, an order_subsidy or both")
    caps = _caps(root, rep)
    budget = _budget(root, rep)
    sources = root.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        rep.error(root.line_of("sources"), "not-a-list", "sources must be a list of text")
        sources = []
    signup = root.get("signup_required", False)
    if not isinstance(signup, bool):
        rep.error(
            root.line_of("signup_required"),
            "not-a-boolean",
            "signup_required must be true or false",
        )
        signup = False
    name = _text(root, "program", "rulebook", rep)
    if name and Path(source).suffix == ".yaml" and Path(source).stem != name:
        rep.error(
            root.line_of("program"),
            "name-mismatch",
            f"program {name!r} must match its file name {Path(source).stem!r}",
        )
    if has_errors(rep.found) or window is None:
        return None, rep.found
    return Programme(
        name=name,
        title_zh=_text(root, "title_zh", "rulebook", rep),
        title_en=_text(root, "title_en", "rulebook", rep),
        platform=_text(root, "platform", "rulebook", rep),
        source_file=source,
        window=window,
        eligibility=eligibility,
        tasks=tasks,
        caps=caps,
        budget=budget,
        order_subsidy=subsidy,
        sources=tuple(sources),
        signup_required=signup,
    ), rep.found


def check_programme_file(path: Path) -> tuple[Programme | None, list[Diagnostic]]:
    """Check one programme rulebook file."""
    return check_file(path, parse_programme)


def shipped_programmes_dir() -> Path:
    """Folder of the shipped programme rulebooks."""
    return shipped_folder("programs")


def shipped_programmes() -> tuple[str, ...]:
    """Names of the shipped programmes, sorted."""
    return tuple(sorted(p.stem for p in shipped_programmes_dir().glob("*.yaml")))


def load_programme(name_or_path: str) -> Programme:
    """A programme by shipped name or by file path; refused with every problem."""
    return load_named(name_or_path, shipped_programmes_dir(), "programme rulebook", parse_programme)
