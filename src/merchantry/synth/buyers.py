"""Buyers, their identifiers, the planted refund rings and the honest decoys.

A buyer is an index into a pool. Its device, phone, address and payment
account are integer keys that only become opaque hashes when an order is
written. Rings of linked accounts share keys drawn from small per-ring pools;
decoys are many honest buyers sharing one key (a campus address, a public
device), which a ring detector must not mistake for a ring.

Abuse is planted at graded difficulty, each abuser's grade written to the
truth (``refund_abusers``) so every figure can be read per grade:

* ``blatant_ring``: linked accounts sharing device, phone, address and payment
  account, claiming refund-only on about half their orders with recycled photos;
* ``one_identifier_ring``: the same behaviour, but the accounts share only one
  identifier (a payment account or an address), so the link is thin;
* ``careful``: a lone abuser who claims on a quarter of its orders, after
  delivery like an honest buyer, with reasons varied across the quality-like
  set and fresh photos;
* ``mimic``: a lone abuser whose claim rate, reasons and types follow honest
  buyers' (a few claims more than an ordinary buyer, no other trace);
* ``heavy_returner`` (honest, a decoy): a buyer who returns a lot for honest
  reasons (changed mind, wrong size), whom a detector must not punish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth.geography import PROVINCES
from merchantry.synth.vector import BoolArray, IntArray, hex_strings, ids, mix

SALT_DEVICE: Final = 11
SALT_PHONE: Final = 12
SALT_ADDRESS: Final = 13
SALT_PAYMENT: Final = 14
SALT_EVIDENCE: Final = 15

_RING_BASE: Final = 1 << 40
_DECOY_BASE: Final = 1 << 44
EVIDENCE_RING_BASE: Final = 1 << 45
"""Evidence-image keys at or above this belong to a ring's reused image pool."""
RING_IMAGES: Final = 4
"""Images each ring recycles across its claims."""

BUYER_ID_WIDTH: Final = 9

GRADES: Final = (
    "honest",
    "blatant_ring",
    "one_identifier_ring",
    "careful",
    "mimic",
    "heavy_returner",
)
"""Abuse grade of a buyer, in the order of :attr:`Buyers.grade` codes."""
GRADE: Final = {name: i for i, name in enumerate(GRADES)}
ABUSIVE_GRADES: Final = ("blatant_ring", "one_identifier_ring", "careful", "mimic")
"""Grades whose claims are abuse (``heavy_returner`` is an honest decoy)."""


@dataclass(frozen=True, slots=True)
class Buyers:
    """The buyer pool."""

    count: int
    province: IntArray
    device: IntArray
    phone: IntArray
    address: IntArray
    payment: IntArray
    ring: IntArray
    """Ring number of each buyer, -1 for buyers in no ring."""
    grade: IntArray
    """Abuse grade of each buyer (an index into :data:`GRADES`)."""
    ring_members: IntArray
    """Buyer indices of all ring members (for planting their orders)."""
    truth_rings: pa.Table
    truth_decoys: pa.Table
    truth_abusers: pa.Table

    @property
    def is_ring(self) -> BoolArray:
        return self.ring >= 0


def buyer_ids(index: IntArray) -> pa.Array:
    """Public ids of buyers: ``B`` and nine digits."""
    return ids("B", index, BUYER_ID_WIDTH)


def draw_buyers(rng: np.random.Generator, shops: int) -> Buyers:
    """The pool for a marketplace of ``shops`` shops, with rings and decoys planted."""
    count = max(2_000, shops * 150)
    weights = np.array([p.buyer_weight for p in PROVINCES])
    province = rng.choice(len(PROVINCES), size=count, p=weights / weights.sum()).astype(np.int64)
    own = np.arange(count, dtype=np.int64)
    device, phone, address, payment = own.copy(), own.copy(), own.copy(), own.copy()
    ring = np.full(count, -1, dtype=np.int64)
    grade = np.zeros(count, dtype=np.int64)

    # Active buyers sit at low indices (orders draw buyers skewed that way);
    # rings and decoys are recruited there so they actually place orders.
    active = rng.permutation(max(count // 5, 100))
    n_rings = max(2, shops // 50)
    sizes = rng.integers(3, 9, size=n_rings)
    cursor = 0
    ring_rows: list[tuple[str, str, int, str]] = []
    for r, size in enumerate(sizes.tolist()):
        members = active[cursor : cursor + size]
        cursor += size
        j = np.arange(size)
        device[members] = _RING_BASE + r * 16 + j % max(1, size // 3)
        phone[members] = _RING_BASE + r * 16 + 8 + j % max(1, size // 2)
        address[members] = _RING_BASE + r * 16 + rng.integers(0, 2, size=size)
        payment[members] = _RING_BASE + r * 16 + 4 + j % 2
        ring[members] = r
        grade[members] = GRADE["blatant_ring"]
        for b in members.tolist():
            ring_rows.append((f"RING{r + 1:03d}", f"B{b:0{BUYER_ID_WIDTH}d}", size, "blatant_ring"))

    # Thin rings: every member keeps its own device and phone; the ring shares one
    # payment account or one address, and nothing else.
    n_thin = max(1, shops // 100)
    thin_sizes = rng.integers(3, 7, size=n_thin)
    for t, size in enumerate(thin_sizes.tolist()):
        r = n_rings + t
        members = active[cursor : cursor + size]
        cursor += size
        shared = _RING_BASE + r * 16
        if t % 2 == 0:
            payment[members] = shared
        else:
            address[members] = shared
        ring[members] = r
        grade[members] = GRADE["one_identifier_ring"]
        for b in members.tolist():
            ring_rows.append(
                (f"RING{r + 1:03d}", f"B{b:0{BUYER_ID_WIDTH}d}", size, "one_identifier_ring")
            )

    # Lone abusers and honest heavy returners, recruited among active buyers so that
    # they place orders at ordinary rates (no planted extra orders).
    for name, share in (("careful", 0.04), ("mimic", 0.04), ("heavy_returner", 0.04)):
        size = max(5, int(shops * share))
        members = active[cursor : cursor + size]
        cursor += size
        grade[members] = GRADE[name]
    decoy_rows: list[tuple[str, str, str, int, str]] = []
    decoys = (
        ("address", max(30, count // 1_000), "大学宿舍楼：校园快递点统一收货地址"),
        ("address", max(20, count // 2_000), "写字楼前台代收地址"),
        ("device", max(15, count // 5_000), "营业厅/网吧公共设备"),
    )
    for d, (kind, size, note) in enumerate(decoys):
        members = active[cursor : cursor + size]
        cursor += size
        key = _DECOY_BASE + d
        target = address if kind == "address" else device
        target[members] = key
        salt = SALT_ADDRESS if kind == "address" else SALT_DEVICE
        value = hex_strings(mix(np.array([key]), salt))[0].as_py()
        decoy_rows.append((f"DECOY{d + 1}", f"buyer_{kind}_hash", value, size, note))

    members_all = np.flatnonzero(ring >= 0).astype(np.int64)
    graded = np.flatnonzero(grade > 0)
    ring_of = {int(b[1:]): rid for rid, b, _, _ in ring_rows}
    return Buyers(
        count=count,
        province=province,
        device=device,
        phone=phone,
        address=address,
        payment=payment,
        ring=ring,
        grade=grade,
        ring_members=members_all,
        truth_rings=pa.table(
            {
                "ring_id": [row[0] for row in ring_rows],
                "buyer_id": [row[1] for row in ring_rows],
                "ring_size": pa.array([row[2] for row in ring_rows], pa.int32()),
                "grade": [row[3] for row in ring_rows],
            }
        ),
        truth_decoys=pa.table(
            {
                "decoy_id": [row[0] for row in decoy_rows],
                "identifier_column": [row[1] for row in decoy_rows],
                "identifier_hash": [row[2] for row in decoy_rows],
                "honest_buyers": pa.array([row[3] for row in decoy_rows], pa.int32()),
                "description": [row[4] for row in decoy_rows],
            }
        ),
        truth_abusers=pa.table(
            {
                "buyer_id": [f"B{b:0{BUYER_ID_WIDTH}d}" for b in graded.tolist()],
                "grade": [GRADES[g] for g in grade[graded].tolist()],
                "abusive": pa.array(
                    [GRADES[g] in ABUSIVE_GRADES for g in grade[graded].tolist()], pa.bool_()
                ),
                "ring_id": pa.array([ring_of.get(b) for b in graded.tolist()], pa.string()),
            }
        ),
    )


def draw_order_buyers(rng: np.random.Generator, buyers: Buyers, size: int) -> IntArray:
    """Buyer of each order: a heavy-tailed activity curve over the pool."""
    return np.floor(buyers.count * rng.random(size) ** 1.6).astype(np.int64)
