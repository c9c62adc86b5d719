"""An optional second opinion from an OpenAI-compatible chat endpoint.

Off unless ``MERCHANTRY_REASONS_LLM_URL`` is set (the base URL, e.g.
``http://127.0.0.1:8080/v1``; ``MERCHANTRY_REASONS_LLM_MODEL`` names the model and
``MERCHANTRY_REASONS_LLM_KEY`` is sent as a bearer token when set). Only texts the linear
model is unsure of (confidence below :data:`UNSURE`) are sent; an answer that is not one of
the causes, or any network error, leaves the linear model's answer in place. Nothing needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

import httpx

from merchantry.returns.causes import CAUSES, Cause
from merchantry.returns.classify import Classification

URL_ENV: Final = "MERCHANTRY_REASONS_LLM_URL"
MODEL_ENV: Final = "MERCHANTRY_REASONS_LLM_MODEL"
KEY_ENV: Final = "MERCHANTRY_REASONS_LLM_KEY"
UNSURE: Final = 0.6
PROMPT: Final = (
    "Classify why this e-commerce buyer returned goods or complained. Answer with exactly one "
    "of: " + ", ".join(c.value for c in CAUSES) + ". Text: "
)


@dataclass(frozen=True, slots=True)
class Refiner:
    """Where to ask, and which model."""

    url: str
    model: str
    key: str | None = None
    timeout_s: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Refiner | None:
        """The configured endpoint, or ``None`` when :data:`URL_ENV` is not set."""
        env = os.environ if env is None else env
        url = env.get(URL_ENV, "").strip()
        if not url:
            return None
        return cls(url.rstrip("/"), env.get(MODEL_ENV, "default"), env.get(KEY_ENV) or None)

    def ask(self, client: httpx.Client, text: str) -> Cause | None:
        """The endpoint's cause for ``text``, or ``None`` when it gives no usable answer."""
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            response = client.post(
                f"{self.url}/chat/completions",
                json={
                    "model": self.model,
                    "temperature": 0,
                    "messages": [{"role": "user", "content": PROMPT + text}],
                },
                headers=headers,
            )
            response.raise_for_status()
            answer = str(response.json()["choices"][0]["message"]["content"]).strip().lower()
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError):
            return None
        for cause in CAUSES:
            if answer.strip(" .\"'`") == cause.value:
                return cause
        return None

    def refine_all(
        self, texts: Sequence[str], results: Sequence[Classification]
    ) -> tuple[list[Classification], int]:
        """``results`` with the unsure ones the endpoint answered replaced; how many changed."""
        out = list(results)
        changed = 0
        with httpx.Client(timeout=self.timeout_s) as client:
            for i, (text, result) in enumerate(zip(texts, results, strict=True)):
                if result.confidence >= UNSURE or not text.strip():
                    continue
                cause = self.ask(client, text)
                if cause is not None and cause is not result.cause:
                    out[i] = replace(result, cause=cause, refined_by=self.model)
                    changed += 1
        return out, changed
