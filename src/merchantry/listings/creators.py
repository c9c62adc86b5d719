"""A creator's false claim in a caption is the creator's violation (创作者虚假宣传).

The caption rule (``caption_claim``) warns the shop whose listing a creator's video promotes;
when the rule names a ``creator_violation`` kind (``params``), each video whose caption makes
a claim the listing's stated attributes contradict also records a ``creator_violations`` row
against its creator (``CV-`` + a stable hash of rulebook, video and rule; once, at its first
confirmation by ``merchantry listings check --db``). The ledger's commission freeze reads
that table (:mod:`merchantry.ledger.reserve`): the creator's unwithdrawn commission is frozen
for the freeze rule's days.

When the listing's caption case is overturned, every creator violation it recorded is
withdrawn (``withdrawn_violations``, which the freeze leaves out) and a freeze it caused is
reversed when no other standing violation of that creator fell on that day (see
:func:`withdraw_creator_violations`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import duckdb
import pyarrow as pa

from merchantry.listings.check import Finding
from merchantry.listings.claims import Listing
from merchantry.listings.rulebook import RuleKind
from merchantry.listings.rules import DETECTORS, Context
from merchantry.listings.warehouse import creator_violation_id, read_caption_videos
from merchantry.store.warehouse import table_exists


@dataclass(frozen=True, slots=True)
class CreatorViolation:
    violation_id: str
    creator_id: str
    video_id: str
    sku_id: str
    kind: str
    evidence: str


def creator_violations(
    findings: Sequence[Finding],
    listings: Mapping[str, Listing],
    ctx: Context,
    videos: Mapping[str, Sequence[tuple[str, str, str]]],
) -> list[CreatorViolation]:
    """The creator violation of each video whose caption makes a false claim about a listing
    with a live caption finding, when the caption rule names a ``creator_violation`` kind."""
    rule = ctx.book.rule(RuleKind.CAPTION_CLAIM)
    kind = rule.params.get("creator_violation") if rule is not None else None
    if rule is None or not isinstance(kind, str):
        return []
    detector = DETECTORS[RuleKind.CAPTION_CLAIM]
    found: list[CreatorViolation] = []
    for f in findings:
        listing = listings.get(f.sku_id)
        if f.rule_id != rule.rule_id or listing is None:
            continue
        for video, creator, caption in videos.get(f.sku_id, ()):
            evidence = detector(replace(listing, captions=(caption,)), rule, ctx)
            if evidence is None:
                continue
            found.append(
                CreatorViolation(
                    creator_violation_id(ctx.book.name, video, rule.rule_id),
                    creator,
                    video,
                    f.sku_id,
                    kind,
                    evidence,
                )
            )
    return found


def record_creator_violations(
    con: duckdb.DuckDBPyConnection, found: Sequence[CreatorViolation], at: datetime
) -> int:
    """Add the violations not yet recorded (a recorded one keeps its first time); the number
    added. Inside the caller's transaction."""
    table = pa.table(
        {
            "violation_id": [v.violation_id for v in found],
            "creator_id": [v.creator_id for v in found],
            "kind": [v.kind for v in found],
            "occurred_at": pa.array([at] * len(found), pa.timestamp("us")),
        }
    )
    con.register("_lv_creator_violations", table)
    try:
        row = con.execute(
            "SELECT count(*) FROM _lv_creator_violations "
            "WHERE violation_id NOT IN (SELECT violation_id FROM creator_violations)"
        ).fetchone()
        con.execute(
            "INSERT INTO creator_violations BY NAME SELECT * FROM _lv_creator_violations "
            "WHERE violation_id NOT IN (SELECT violation_id FROM creator_violations)"
        )
    finally:
        con.unregister("_lv_creator_violations")
    return int(row[0]) if row else 0


def recorded_for(
    con: duckdb.DuckDBPyConnection, rulebook: str, rule_id: str, sku_id: str
) -> list[tuple[str, str, date]]:
    """(violation, creator, day) of the recorded creator violations of the listing's videos."""
    if not table_exists(con, "creator_videos") or not table_exists(con, "creator_violations"):
        return []
    ids = {
        creator_violation_id(rulebook, video, rule_id): creator
        for video, creator, _ in read_caption_videos(con).get(sku_id, ())
    }
    if not ids:
        return []
    rows = con.execute(
        "SELECT violation_id, creator_id, CAST(occurred_at AS DATE) FROM creator_violations "
        "WHERE list_contains(?, violation_id) ORDER BY violation_id",
        [sorted(ids)],
    ).fetchall()
    return [(str(v), str(c), d) for v, c, d in rows]
