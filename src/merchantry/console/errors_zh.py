# ruff: noqa: E501 - messages are sentences; one per line reads best
"""The engine's error messages a console page can show, in Chinese.

The engine raises its errors in English (the command line, the API and the logs read
them); a console page in Chinese shows them through these patterns, first match wins,
each naming the same objects the English names. A message no pattern knows shows as
the engine wrote it, after a Chinese lead-in, so nothing is hidden.
"""

from __future__ import annotations

import re
from typing import Final

PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^key (?P<key>\S+) lacks the scope (?P<scope>\S+)$", "密钥 {key} 没有 {scope} 权限"),
        (
            r"^key (?P<key>\S+) cannot (?P<action>.+) of shop (?P<shop>\S+)$",
            "密钥 {key} 无权查看或操作店铺 {shop} 的数据",
        ),
        (r"^key (?P<key>\S+) is not an operator's$", "密钥 {key} 不是平台运营的密钥"),
        (
            r"^key (?P<key>\S+) \((?P<role>\w+)\) cannot act on risk cases$",
            "密钥 {key}（{role}）不能处理风控案件",
        ),
        (
            r"^(?P<actor>\S+) cannot (?P<action>.+) of shop (?P<shop>\S+)$",
            "{actor} 无权查看或操作店铺 {shop} 的数据",
        ),
        (
            r"^(?P<action>.+) is for platform operators, not (?P<actor>\S+)$",
            "此操作仅限平台运营，{actor} 不能执行",
        ),
        (
            r"^the form's CSRF token is missing or stale; reload the page$",
            "表单的安全令牌缺失或已过期，请刷新页面",
        ),
        (r"^log in with an API key first$", "请先用 API 密钥登录"),
        (r"^the API key is malformed, unknown or revoked$", "API 密钥格式错误、不存在或已吊销"),
        (r"^shop (?P<shop>\S+) has no fee lines yet$", "店铺 {shop} 还没有费用明细"),
        (
            r"^shop '?(?P<shop>[^' ]+)'? has no fee lines under (?P<book>\S+)$",
            "店铺 {shop} 在规则版本 {book} 下没有费用明细",
        ),
        (r"^shop (?P<shop>\S+) has no experience score yet$", "店铺 {shop} 还没有体验分"),
        (
            r"^shop '?(?P<shop>[^' ]+)'? has no experience score; run `merchantry score`$",
            "店铺 {shop} 还没有体验分，请先运行 `merchantry score`",
        ),
        (
            r"^shop '?(?P<shop>[^' ]+)'? has no score under (?P<book>\S+) between (?P<start>\S+) and (?P<end>\S+)$",
            "店铺 {shop} 在 {start} 至 {end} 期间没有 {book} 的分数",
        ),
        (
            r"^shop '?(?P<shop>[^' ]+)'? has no score indicators under (?P<book>\S+) on (?P<day>\S+)$",
            "店铺 {shop} 在 {day} 没有 {book} 的指标",
        ),
        (r"^no shop '?(?P<shop>[^' ]+)'? in the warehouse$", "数据仓库中没有店铺 {shop}"),
        (r"^no shop has a score under (?P<book>\S+)$", "还没有店铺有 {book} 的分数"),
        (
            r"^no shop has a score yet; run `merchantry score`$",
            "还没有店铺有分数，请先运行 `merchantry score`",
        ),
        (
            r"^the warehouse has no (?P<table>\S+) yet; (?P<how>.+)$",
            "数据仓库中还没有 {table}（{how}）",
        ),
        (
            r"^the period ends \((?P<end>[^)]+)\) before it starts \((?P<start>[^)]+)\)$",
            "结束日期（{end}）早于开始日期（{start}）",
        ),
        (r"^month must read YYYY-MM, not (?P<text>.+)$", "月份应写作 YYYY-MM，而不是 {text}"),
        (
            r"^(?P<what>\w+) must be a date \(YYYY-MM-DD\), not (?P<text>.+)$",
            "日期应写作 YYYY-MM-DD，而不是 {text}",
        ),
        (
            r"^order '?(?P<order>[^' ]+)'? has no fee lines(?P<where>.*)$",
            "订单 {order} 没有费用明细",
        ),
        (r"^order '?(?P<order>[^' ]+)'? has no payout schedule$", "订单 {order} 还没有结算计划"),
        (r"^no risk case (?P<case>\S+)$", "没有风控案件 {case}"),
        (
            r"^no after-sales request '?(?P<req>[^' ]+)'? in the warehouse$",
            "数据仓库中没有售后申请 {req}",
        ),
        (
            r"^case (?P<case>\S+) has no evidence file '?(?P<name>[^']+)'?$",
            "案件 {case} 没有凭证文件 {name}",
        ),
        (
            r"^case (?P<case>\S+) is (?P<state>\w+); it can move to (?P<options>.+), not (?P<to>\w+)$",
            "案件 {case} 当前状态为 {state}，只能转为 {options}，不能转为 {to}",
        ),
        (
            r"^case (?P<case>\S+) changed while moving it; read it again$",
            "案件 {case} 在处理中被他人修改，请重新打开",
        ),
        (
            r"^case (?P<case>\S+) is (?P<state>\w+); only a case under review can be overturned$",
            "案件 {case} 当前状态为 {state}，只有审核中的案件可以改判",
        ),
        (
            r"^an appeal of (?P<case>\S+) needs evidence or a note$",
            "案件 {case} 的申诉需要凭证或说明",
        ),
        (r"^the evidence must be a PNG, JPEG or GIF image$", "凭证须为 PNG、JPEG 或 GIF 图片"),
        (r"^the image is larger than (?P<mb>\d+) MB$", "图片超过 {mb} MB"),
        (
            r"^baseline and candidate are the same rulebook \((?P<book>.+)\)$",
            "基准与候选是同一个规则版本（{book}）",
        ),
        (
            r"^compare two different rulebooks, not (?P<book>.+) with itself$",
            "请比较两个不同的规则版本，而不是 {book} 与自身",
        ),
        (
            r"^simulation (?P<job>\S+) has no report yet \((?P<state>\w+)\)$",
            "模拟 {job} 还没有报告（{state}）",
        ),
        (r"^no job (?P<job>\S+)$", "没有任务 {job}"),
        (r"^type a shop id or part of a shop name$", "请输入店铺 ID 或店铺名称的一部分"),
        (
            r"^cannot assign case (?P<case>\S+) to (?P<who>.+): not an operator key in force.*$",
            "不能把案件 {case} 分配给 {who}：它不是有效的平台运营密钥",
        ),
        # a value refused in a page's address (merchantry.kit.refusals.in_words, after where)
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is not a whole number(?: \(amounts are whole fen\))?$",
            "{where}：{value} 不是整数",
        ),
        (r"^(?P<where>[\w.]+): (?P<value>.+) is not a number$", "{where}：{value} 不是数字"),
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is not a date written (?P<form>\S+)$",
            "{where}：{value} 不是日期，应写作 {form}",
        ),
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is not a date or a moment written (?P<form>\S+)$",
            "{where}：{value} 不是日期或时间，应写作 {form}",
        ),
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is less than (?P<n>\S+), the least it may be$",
            "{where}：{value} 小于允许的最小值 {n}",
        ),
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is more than (?P<n>\S+), the most it may be$",
            "{where}：{value} 大于允许的最大值 {n}",
        ),
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is not one of (?P<options>.+)$",
            "{where}：{value} 不在可选值之中（{options}）",
        ),
        (
            r"^(?P<where>[\w.]+): (?P<value>.+) is longer than (?P<n>\d+) characters$",
            "{where}：{value} 超过 {n} 个字符",
        ),
    )
)

FALLBACK: Final = "系统提示（英文原文）：{message}"
"""How a message no pattern knows is shown on a Chinese page."""


def error_zh(message: str) -> str:
    """``message`` (an engine error, in English) in Chinese."""
    for pattern, zh in PATTERNS:
        found = pattern.match(message)
        if found is not None:
            return zh.format(**found.groupdict())
    return FALLBACK.format(message=message)
