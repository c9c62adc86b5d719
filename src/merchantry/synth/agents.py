"""Customer-service agents, their skills and certifications, and who answered which chat.

Drawn once per market from its own random stream (``draw_agents``); each day's chats are then
given to the shop's agents (``assign_agents``) from a per-day stream of their own, so the other
tables of a seed are what they were before agents existed. Only ``cs_sessions.agent_id`` of
human-answered chats changes: bot chats stay ``bot``, unanswered ones stay empty.

Planted truth (``truth/cs_agents.csv``): each agent's quality in (0, 1). A better agent is more
likely to be the one behind a chat that went well (a 4–5★ rating, or a reply within three
minutes), so the sessions an agent answered carry its quality into the satisfaction and
response figures the certification check and the routing read. Rates here are modelling
choices, not platform figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from merchantry.model.cs import CS_AGENT_SKILLS, CS_AGENTS, CS_CERTIFICATIONS
from merchantry.synth.catalogue import ALL_INDUSTRIES
from merchantry.synth.population import Population
from merchantry.synth.vector import FloatArray, IntArray

MAX_AGENTS: Final = 5
"""Agents per shop at most (the chats' account suffixes ``-kf1`` … ``-kf5``)."""

INDUSTRY_SKILL: Final[dict[str, str]] = {
    "pet_food": "pet_care",
    "pet_other": "pet_care",
    "baby": "maternal_infant",
    "skincare": "beauty",
    "makeup": "beauty",
    "personal_care": "beauty",
    "apparel": "sizing",
    "shoes_bags": "sizing",
    "sports_outdoor": "sizing",
    "digital_3c": "electronics",
    "large_appliance": "home_install",
    "home_furniture": "home_install",
    "food_snacks": "food",
    "grain_oil": "food",
    "fresh_produce": "food",
    "nutrition": "food",
    "gold_jewellery": "jewellery",
}
"""The know-how skill an industry's shops hire for."""

CERTIFIABLE: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "pet_care": ("pet_adviser", ("vet", "pet_nutritionist")),
    "maternal_infant": ("maternal_infant_adviser", ("maternal_infant_care", "childcare")),
    "beauty": ("makeup_artist", ("cosmetology", "makeup")),
}
"""Skill -> (certification it can earn, the credentials that back it)."""

_NAMES: Final = ("小美", "阿杰", "小雨", "晓峰", "安安", "小鹿", "阿宁", "文文", "子墨", "一一")


@dataclass(frozen=True, slots=True)
class Roster:
    """Agents of every shop: the tables to write and what ``assign_agents`` needs."""

    first: IntArray
    """Index of each shop's first agent in the agent arrays."""
    count: IntArray
    """Agents per shop (1 … MAX_AGENTS)."""
    quality: FloatArray
    """Planted quality per agent."""
    capacity: IntArray
    agent_ids: pa.Array
    shop_index: dict[str, int]
    tables: dict[str, pa.Table]
    truth: pa.Table


def draw_agents(rng: np.random.Generator, pop: Population, start: date) -> Roster:
    """One to five agents per shop (more at bigger shops), their skills and badges."""
    n = pop.shop_count
    count = np.clip(1 + rng.poisson(np.minimum(pop.shop_weight, 6.0) * 0.8), 1, MAX_AGENTS)
    first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    total = int(count.sum())
    shop = np.repeat(np.arange(n), count)
    slot = np.arange(total) - first[shop]
    shop_ids = pop.shop_ids.take(pa.array(shop)).to_pylist()
    agent_ids = [f"{s}-kf{k + 1}" for s, k in zip(shop_ids, slot, strict=True)]
    quality = rng.beta(5.0, 2.0, total)
    capacity = rng.integers(3, 9, total)
    from_hour = np.where(rng.random(total) < 0.7, 8, rng.integers(0, 13, total))
    to_hour = np.minimum(from_hour + rng.integers(9, 16, total), 24)
    hired = [start - timedelta(days=int(d)) for d in rng.integers(20, 1500, total)]
    cross = pop.shop_cross_border[shop]
    languages = [
        ["zh", "en"] if c or u < 0.12 else (["zh", "yue"] if u > 0.95 else ["zh"])
        for c, u in zip(cross, rng.random(total), strict=True)
    ]
    agents = pa.table(
        {
            "agent_id": agent_ids,
            "shop_id": shop_ids,
            "name": [_NAMES[int(i)] for i in rng.integers(0, len(_NAMES), total)],
            "languages": pa.array(languages, pa.list_(pa.string())),
            "capacity": pa.array(capacity, pa.int32()),
            "online_from_hour": pa.array(from_hour, pa.int32()),
            "online_to_hour": pa.array(to_hour, pa.int32()),
            "hired_on": pa.array(hired, pa.date32()),
        }
    )
    skills = _skills(rng, pop, shop, agent_ids)
    certs = _certifications(rng, start, skills)
    assert tuple(agents.column_names) == CS_AGENTS.column_names
    truth = pa.table({"agent_id": agent_ids, "quality": np.round(quality, 4)})
    return Roster(
        first=first,
        count=count.astype(np.int64),
        quality=quality,
        capacity=capacity.astype(np.int64),
        agent_ids=pa.array(agent_ids),
        shop_index={s: i for i, s in enumerate(pop.shop_ids.to_pylist())},
        tables={"cs_agents": agents, "cs_agent_skills": skills, "cs_certifications": certs},
        truth=truth,
    )


def _skills(
    rng: np.random.Generator, pop: Population, shop: IntArray, agent_ids: list[str]
) -> pa.Table:
    """Everyone answers pre-sale; most handle after-sales and parcels; many know the trade."""
    rows: list[tuple[str, str, int]] = []
    for i, agent in enumerate(agent_ids):
        code = ALL_INDUSTRIES[int(pop.shop_industry[shop[i]])].code
        rows.append((agent, "presale", int(rng.integers(2, 6))))
        if rng.random() < 0.8:
            rows.append((agent, "after_sale", int(rng.integers(1, 6))))
        if rng.random() < 0.6:
            rows.append((agent, "logistics", int(rng.integers(1, 6))))
        trade = INDUSTRY_SKILL.get(code)
        if trade is not None and rng.random() < 0.55:
            rows.append((agent, trade, int(rng.integers(1, 6))))
    table = pa.table(
        {
            "agent_id": [r[0] for r in rows],
            "skill": [r[1] for r in rows],
            "level": pa.array([r[2] for r in rows], pa.int32()),
        }
    )
    assert tuple(table.column_names) == CS_AGENT_SKILLS.column_names
    return table


def _certifications(rng: np.random.Generator, start: date, skills: pa.Table) -> pa.Table:
    """Half of the agents with a certifiable skill at level 3 or more hold its badge, for one
    or two years from a date up to two years back (so some lapse inside the window)."""
    rows: list[tuple[str, str, str, date, date]] = []
    for agent, skill, level in zip(
        *(skills.column(c).to_pylist() for c in skills.column_names), strict=True
    ):
        if skill not in CERTIFIABLE or level < 3 or rng.random() >= 0.5:
            continue
        kind, credentials = CERTIFIABLE[skill]
        issued = start - timedelta(days=int(rng.integers(10, 700)))
        years = 1 if rng.random() < 0.6 else 2
        expires = issued + timedelta(days=365 * years - 1)
        credential = credentials[int(rng.integers(0, len(credentials)))]
        rows.append((agent, kind, credential, issued, expires))
    table = pa.table(
        {
            "certification_id": [f"CERT{i + 1:07d}" for i in range(len(rows))],
            "agent_id": pa.array([r[0] for r in rows], pa.string()),
            "kind": pa.array([r[1] for r in rows], pa.string()),
            "credential": pa.array([r[2] for r in rows], pa.string()),
            "issued_on": pa.array([r[3] for r in rows], pa.date32()),
            "expires_on": pa.array([r[4] for r in rows], pa.date32()),
        }
    )
    assert tuple(table.column_names) == CS_CERTIFICATIONS.column_names
    return table


def assign_agents(rng: np.random.Generator, roster: Roster, sessions: pa.Table) -> pa.Table:
    """``sessions`` with each human-answered chat given to one of its shop's agents.

    The weight of an agent is its capacity times its quality for a chat that went well, and
    times one minus its quality for one that did not."""
    agent = sessions.column("agent_id")
    human = pc.fill_null(pc.invert(pc.equal(agent, "bot")), False).to_numpy(zero_copy_only=False)
    if not human.any():
        return sessions
    shop = np.asarray(
        [roster.shop_index[s] for s in sessions.column("shop_id").to_pylist()], dtype=np.int64
    )
    rating = pc.fill_null(sessions.column("rating"), 0).to_numpy(zero_copy_only=False)
    first = pc.fill_null(sessions.column("first_response_seconds"), 10**6).to_numpy(
        zero_copy_only=False
    )
    good = (rating >= 4) | ((rating == 0) & (first <= 180))
    slots = np.arange(MAX_AGENTS)
    index = roster.first[shop][:, None] + slots[None, :]
    valid = slots[None, :] < roster.count[shop][:, None]
    index = np.where(valid, index, 0)
    q = roster.quality[index]
    weight = roster.capacity[index] * np.where(good[:, None], q, 1.0 - q)
    weight = np.where(valid, weight, 0.0)
    cdf = np.cumsum(weight, axis=1)
    u = rng.random(len(shop)) * cdf[:, -1]
    chosen = np.minimum((cdf < u[:, None]).sum(axis=1), roster.count[shop] - 1)
    picked = roster.agent_ids.take(pa.array(index[np.arange(len(shop)), chosen]))
    new_agent = pc.if_else(pa.array(human), picked, agent)
    return sessions.set_column(sessions.schema.get_field_index("agent_id"), "agent_id", new_agent)
