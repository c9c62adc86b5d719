"""An optional OpenAI-compatible chat endpoint that rewords the assistant's answers.

Configured only by the environment; with nothing set the assistant works offline and this
module makes no call. ``MERCHANTRY_CS_LLM_URL`` is the base URL (``…/v1``),
``MERCHANTRY_CS_LLM_MODEL`` the model name, ``MERCHANTRY_CS_LLM_API_KEY`` the key (optional).
The model is told to use only the cited facts; the assistant keeps its wording only when
every number in it appears in a cited fact (:func:`merchantry.cs.assistant.invented_numbers`),
and falls back to the plain answer on any error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from merchantry.cs.facts import Fact

log = logging.getLogger("merchantry.cs.llm")

SYSTEM = (
    "你是店铺客服。只能使用下面给出的事实回答，不得添加任何事实、价格、时间、承诺或政策；"
    "不确定时原样复述事实。用简洁礼貌的中文回答。"
)


@dataclass(frozen=True, slots=True)
class ChatEndpoint:
    """An OpenAI-compatible ``/chat/completions`` endpoint."""

    base_url: str
    model: str
    api_key: str = ""
    timeout_s: float = 10.0

    def __call__(self, question: str, draft: str, facts: Sequence[Fact]) -> str | None:
        listed = "\n".join(f"[{f.fact_id}] {f.text}" for f in facts)
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"事实：\n{listed}\n\n问题：{question}\n草稿：{draft}"},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(
                self.base_url.rstrip("/") + "/chat/completions",
                json=body,
                headers=headers,
                timeout=self.timeout_s,
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as err:
            log.warning("language model endpoint failed, keeping the plain answer: %s", err)
            return None
        return str(content).strip() or None


def endpoint_from_env(env: Mapping[str, str] | None = None) -> ChatEndpoint | None:
    """The configured endpoint, or ``None`` when ``MERCHANTRY_CS_LLM_URL`` is not set."""
    values = os.environ if env is None else env
    url = values.get("MERCHANTRY_CS_LLM_URL", "").strip()
    if not url:
        return None
    return ChatEndpoint(
        base_url=url,
        model=values.get("MERCHANTRY_CS_LLM_MODEL", "default").strip() or "default",
        api_key=values.get("MERCHANTRY_CS_LLM_API_KEY", ""),
    )
