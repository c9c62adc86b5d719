"""Customer-service agents' notes (客服备注) on the day's chat sessions.

An agent who answered a chat about an order that went wrong writes what the buyer raised
and what was done, in the words agents use; the cause is the order's drawn cause (after
the planted return causes), so a planted sizing SKU's chats talk about sizes. Chats about
orders that went well, pre-sale chats and slow shops' chats get their own notes; some
notes say nothing useful (已处理), as real ones do. The AI assistant (``bot``) and
unanswered chats leave no note.

Drawn from its own stream (generator stream 10) after the sessions and their agents, so
adding notes changed no other column of any table.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from merchantry.synth.fulfilment import CAUSES, NONE, Journey
from merchantry.synth.orders import OrderBatch
from merchantry.synth.vector import pick

RAISED: Final[dict[str, tuple[str, ...]]] = {
    "instant": (
        "买家付款后几分钟就申请退款，说拍错了",
        "买家下单后马上要求取消，说不想要了",
        "买家说重复下单了，申请退掉一单",
    ),
    "changed_mind": (
        "买家表示不想要了，申请七天无理由退货",
        "买家说家里已经有了，用不上",
        "买家说拍错了款式，不喜欢想退",
        "买家称买多了，想退回一件",
    ),
    "quality": (
        "买家反映质量太差，用了两次就坏了",
        "买家说做工粗糙，有线头还开胶",
        "买家反馈商品有瑕疵，拉链拉不动",
        "买家说用了几天就出问题，按键失灵",
        "买家反映充不进电，电池不耐用",
    ),
    "not_as_described": (
        "买家称实物和详情页图片不符，色差很大",
        "买家说材质跟描述的不一样，不是纯棉",
        "买家反映实物比图片小很多，和宣传不一致",
        "买家说颜色和主图差别大，感觉被骗",
    ),
    "wrong_size": (
        "买家反馈尺码偏大一码，穿着不合身",
        "买家说按尺码表买的还是偏小，码数不准",
        "买家称鞋子码偏小，脚长对不上尺码表",
        "买家反映衣服太紧，尺码和平时穿的不一样",
        "买家说裤长偏短，尺码标注不准",
    ),
    "damaged": (
        "买家收到时外箱压坏，商品破损",
        "买家反映快递运输途中摔碎了",
        "买家说包裹到手已经漏液，盒子变形",
        "买家反馈收到就有裂痕，包装太简单",
    ),
    "wrong_item": (
        "买家说收到的款式发错了",
        "买家反映少发了一件配件",
        "买家称收到的颜色不对，跟下单的不一样",
        "买家说包裹里缺件，赠品也没有",
    ),
    "late_delivery": (
        "买家催发货，说超过承诺时间还没发出",
        "买家反映物流好几天没有更新",
        "买家说到货太慢，已经用不上了",
        "买家抱怨发货太慢，等了一个星期",
    ),
    "fake_product": (
        "买家质疑不是正品，要求出示品牌授权",
        "买家说防伪码查不到，怀疑是假货",
    ),
    "other": (
        "买家咨询售后进度",
        "买家要求补开发票",
        "买家询问退款什么时候到账",
    ),
    "ring": (
        "买家坚持仅退款，不愿退回商品，未提供照片",
        "买家要求直接退款不退货，态度强硬",
    ),
    "abuse": (
        "买家申请仅退款，说明含糊，未提供凭证",
        "买家要求退款并补偿，未提供照片",
    ),
}
"""What the buyer raised, by the order's cause (the generator's causes, ``fulfilment.CAUSES``)."""

DONE: Final[dict[str, tuple[str, ...]]] = {
    "instant": ("已同意退款", "已拦截发货并退款"),
    "changed_mind": ("已告知七天无理由退货流程", "已发退货地址，运费买家承担"),
    "quality": ("已登记质量问题，同意退货退款", "已反馈给仓库质检", "已补偿优惠券，买家接受"),
    "not_as_described": ("已核对详情页描述，同意退货", "已反馈运营修改主图"),
    "wrong_size": ("已建议换大一码", "已建议换小一码，登记尺码问题", "已发送尺码对照表"),
    "damaged": ("已让买家拍照，联系快递理赔", "已安排补发", "已登记破损，同意退款"),
    "wrong_item": ("已安排补发", "已安排换货，登记发错件", "已补寄配件"),
    "late_delivery": ("已催促仓库尽快发出", "已联系快递核实，安抚买家", "已同意取消订单"),
    "fake_product": ("已提供品牌授权书", "已同意退货退款"),
    "other": ("已查询告知", "已登记，会尽快处理"),
    "ring": ("已上报平台风控", "已要求补充凭证"),
    "abuse": ("已要求补充凭证", "已按平台规则处理"),
}
"""What the agent did, by the same cause."""

FINE: Final = (
    "买家咨询发货时间，已告知48小时内发出",
    "买家询问物流进度，已查询告知",
    "买家修改收货地址，已备注仓库",
    "买家咨询使用方法，已发送说明书",
    "买家确认收货后咨询保养方法，已解答",
)
"""Chats about an order that went well."""

PRESALE: Final = (
    "买家售前咨询尺码建议，已推荐合适码数",
    "买家询问有没有优惠券，已发店铺券",
    "买家咨询材质和产地，已解答",
    "买家问能否今天发货，已告知截单时间",
    "买家咨询库存和颜色，已推荐",
)
"""Pre-sale chats (no order yet)."""

VAGUE: Final = ("已处理", "已安抚买家情绪，按平台规则处理", "买家来询，已回复")
"""Notes that say nothing of the cause."""

SLOW: Final = ("买家抱怨客服回复太慢，等了很久没人理", "买家对客服态度不满，要求投诉")
"""What a buyer left waiting says about the service itself."""

VAGUE_SHARE: Final = 0.2
SLOW_SECONDS: Final = 300
SLOW_SHARE: Final = 0.5


def _choose(rng: np.random.Generator, options: tuple[str, ...], size: int) -> pa.Array:
    return pick(options, rng.integers(0, len(options), size))


def add_notes(
    rng: np.random.Generator, sessions: pa.Table, batch: OrderBatch, journey: Journey
) -> pa.Table:
    """``sessions`` (the day's chats, agents assigned) with a ``notes`` column."""
    m = sessions.num_rows
    if m == 0:
        return sessions.append_column("notes", pa.array([], pa.string()))
    index = pc.index_in(sessions["order_id"], value_set=batch.order_ids).to_numpy(
        zero_copy_only=False
    )
    about = ~np.isnan(index.astype(np.float64))
    order = np.where(about, np.nan_to_num(index.astype(np.float64)), 0).astype(np.int64)
    cause = np.where(about, journey.cause[order], -1)
    notes = np.empty(m, dtype=object)
    for code, name in enumerate(CAUSES):
        where = np.flatnonzero(cause == code)
        if where.size:
            raised = _choose(rng, RAISED[name], where.size).to_pylist()
            done = _choose(rng, DONE[name], where.size).to_pylist()
            notes[where] = [f"{r}，{d}" for r, d in zip(raised, done, strict=True)]
    fine = np.flatnonzero(cause == NONE)
    notes[fine] = _choose(rng, FINE, fine.size).to_pylist()
    presale = np.flatnonzero(~about)
    notes[presale] = _choose(rng, PRESALE, presale.size).to_pylist()
    troubled = (cause >= 0) & (cause != NONE)
    vague = np.flatnonzero(troubled & (rng.random(m) < VAGUE_SHARE))
    notes[vague] = _choose(rng, VAGUE, vague.size).to_pylist()
    first = sessions["first_response_seconds"].to_numpy(zero_copy_only=False)
    waited = np.nan_to_num(first.astype(np.float64)) > SLOW_SECONDS
    slow = np.flatnonzero(waited & (rng.random(m) < SLOW_SHARE))
    slow_text = _choose(rng, SLOW, slow.size).to_pylist()
    notes[slow] = [f"{s}；{n}" for s, n in zip(slow_text, notes[slow], strict=True)]
    agent = sessions["agent_id"].to_pylist()
    silent = np.array([a is None or a == "bot" for a in agent], dtype=bool)
    values = pa.array(notes.tolist(), pa.string(), mask=silent)
    return sessions.append_column("notes", values)
