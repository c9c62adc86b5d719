"""Customer-service agents: who answers a shop's chats, what they can do, which badges they hold.

Three event tables: ``cs_agents`` (one row per agent account, 客服账号), ``cs_agent_skills``
(skill and level per agent) and ``cs_certifications`` (客服认证: the badge, its credential and
its validity). An agent's performance is not stored: it is derived from ``cs_sessions`` (the
sessions it answered), the way the platform's monthly certification check derives it.
The vocabularies below are the one list the generator, ingestion's checks and the routing
rulebook's checker share.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, RowCheck, Table

T = ColumnType

CS_SKILLS: Final = (
    "presale",
    "after_sale",
    "logistics",
    "pet_care",
    "maternal_infant",
    "beauty",
    "sizing",
    "electronics",
    "food",
    "home_install",
    "jewellery",
)
"""What an agent can handle: ``presale`` product questions, ``after_sale`` returns and refunds,
``logistics`` parcels and delivery; the rest are industry know-how (pet care, maternal and infant
care, beauty and make-up, clothing sizes, electronics, food, home installation, jewellery)."""

CERTIFICATION_KINDS: Final = ("pet_adviser", "maternal_infant_adviser", "makeup_artist")
"""Taobao/Tmall 2026 customer-service certifications (客服认证): 爱宠顾问 (pet adviser, formerly
宠医问诊), 母婴师 (maternal and infant adviser), 化妆师 (make-up artist)."""

CREDENTIALS: Final = (
    "vet",
    "pet_nutritionist",
    "maternal_infant_care",
    "childcare",
    "cosmetology",
    "makeup",
)
"""The professional certificate behind a certification (it must match the agent's real-name ID):
veterinarian, pet nutritionist, maternal and infant care, child care, cosmetology, make-up."""

SESSION_NOTES = Column(
    "notes",
    T.TEXT,
    "The agent's note on the session: what the buyer raised and what was done (free text, "
    "usually Chinese). Empty for the AI assistant and unanswered sessions. The return "
    "diagnosis reads it as a text source next to the buyer's reason, the review and the code.",
    "客服备注",
    nullable=True,
)
"""``cs_sessions.notes`` (declared here with the other customer-service vocabulary; the
table itself is in :mod:`merchantry.model.tables`)."""

CS_LANGUAGES: Final = ("zh", "en", "yue", "ja", "ko", "ru")
"""Languages an agent answers in (ISO 639 codes; ``yue`` is Cantonese)."""

CS_AGENTS = Table(
    name="cs_agents",
    term_zh="客服账号",
    description=(
        "A shop's customer-service agents (human accounts; the AI assistant is `bot` in "
        "`cs_sessions.agent_id`). Performance is derived from the sessions they answered."
    ),
    primary_key=("agent_id",),
    load_after=("shops",),
    columns=(
        Column("agent_id", T.TEXT, "Agent account, as in `cs_sessions.agent_id`.", "客服账号"),
        Column(
            "shop_id", T.TEXT, "Shop the agent works for.", "店铺ID", references="shops.shop_id"
        ),
        Column("name", T.TEXT, "Display name.", "客服昵称"),
        Column(
            "languages",
            T.TEXT_LIST,
            "Languages the agent answers in, from: " + ", ".join(CS_LANGUAGES) + ".",
            "接待语种",
            choices=CS_LANGUAGES,
        ),
        Column(
            "capacity",
            T.INT,
            "Chats the agent handles at the same time.",
            "最大同时接待数",
            unit="sessions",
            minimum=1,
            maximum=50,
        ),
        Column(
            "online_from_hour",
            T.INT,
            "First hour of the agent's daily shift (0–23).",
            "上线时间",
            unit="h",
            minimum=0,
            maximum=23,
        ),
        Column(
            "online_to_hour",
            T.INT,
            "Hour the shift ends (1–24, exclusive).",
            "下线时间",
            unit="h",
            minimum=1,
            maximum=24,
        ),
        Column("hired_on", T.DATE, "First day the account answered.", "入职日期"),
    ),
    row_checks=(
        RowCheck(
            "shift_order",
            "online_to_hour > online_from_hour",
            "online_to_hour",
            "online_to_hour must be after online_from_hour",
        ),
    ),
)

CS_AGENT_SKILLS = Table(
    name="cs_agent_skills",
    term_zh="客服技能",
    description="Skills an agent holds, with a level (1 basic – 5 expert); routing matches them.",
    primary_key=("agent_id", "skill"),
    load_after=("cs_agents",),
    columns=(
        Column("agent_id", T.TEXT, "Agent.", "客服账号", references="cs_agents.agent_id"),
        Column("skill", T.TEXT, "Skill.", "技能", choices=CS_SKILLS),
        Column("level", T.INT, "Proficiency, 1–5.", "熟练度", minimum=1, maximum=5),
    ),
)

CS_CERTIFICATIONS = Table(
    name="cs_certifications",
    term_zh="客服认证",
    description=(
        "Certification badges granted to agents (爱宠顾问, 母婴师, 化妆师). A badge counts from "
        "`issued_on` to `expires_on` unless a monthly check (the routing rulebook's "
        "requirements, on its check day) removes it earlier; see docs/customer-service.md."
    ),
    primary_key=("certification_id",),
    load_after=("cs_agents",),
    columns=(
        Column("certification_id", T.TEXT, "Certification id.", "认证编号"),
        Column("agent_id", T.TEXT, "Agent certified.", "客服账号", references="cs_agents.agent_id"),
        Column("kind", T.TEXT, "Which certification.", "认证类型", choices=CERTIFICATION_KINDS),
        Column(
            "credential",
            T.TEXT,
            "Professional certificate presented.",
            "资质证书",
            choices=CREDENTIALS,
        ),
        Column("issued_on", T.DATE, "First day the badge counts.", "认证日期"),
        Column("expires_on", T.DATE, "Last day the badge counts.", "到期日期"),
    ),
    row_checks=(
        RowCheck(
            "validity_order",
            "expires_on >= issued_on",
            "expires_on",
            "expires_on must not be before issued_on",
        ),
    ),
)

CS_TABLES: Final[tuple[Table, ...]] = (CS_AGENTS, CS_AGENT_SKILLS, CS_CERTIFICATIONS)
"""The customer-service agent tables, referenced tables first."""
