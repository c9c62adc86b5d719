"""Chinese and English: one message catalogue per language, and how a page picks one.

Every string a page shows comes from a catalogue (``messages_zh.py``,
``messages_en.py``), by key; both catalogues hold the same keys (a test checks).
A key a catalogue lacks renders as ``⟦key⟧`` so a test can find it on any page.
Codes from the data (fee kinds, payout statuses, case states, accounts…) are
translated through keys ``<group>.<code>``; a code no catalogue knows (a new one
in someone's data) shows as itself rather than breaking the page.

The language is ``?lang=zh|en`` (remembered in a cookie), else the cookie, else
the browser's Accept-Language, else Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import Request

from merchantry.console import messages_programs
from merchantry.console.errors_zh import error_zh
from merchantry.console.messages_en import MESSAGES as EN
from merchantry.console.messages_zh import MESSAGES as ZH
from merchantry.console.rule_titles import reason_text, rule_title, rulebook_title

LANG_COOKIE: Final = "merchantry_lang"
CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = {
    "zh": {**ZH, **messages_programs.ZH},
    "en": {**EN, **messages_programs.EN},
}
DEFAULT_LANG: Final = "zh"
MISSING: Final = "⟦{}⟧"
"""How an untranslated key shows (tests look for the brackets)."""


def pick_lang(request: Request) -> str:
    """The language of this request (see the module note)."""
    for given in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if given is not None and given in CATALOGUES:
            return given
    accept = request.headers.get("accept-language", "").lower()
    for part in accept.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANG


class Translator:
    """``t(key, **values)`` in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.messages = CATALOGUES[lang]

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages.get(key)
        if text is None:
            return MISSING.format(key)
        return text.format(**values) if values else text

    def code(self, group: str, value: object) -> str:
        """A data code in words (``code('fee_kind', 'technical_service_fee')``)."""
        if value is None:
            return "—"
        return self.messages.get(f"{group}.{value}", str(value))

    def rule(self, rule_id: str, title: str | None) -> str:
        """A rule's title (English in the rulebooks) in this language."""
        return rule_title(self.lang, rule_id, title)

    def rulebook(self, name: str, title: str | None) -> str:
        """A rulebook's title in this language."""
        return rulebook_title(self.lang, name, title)

    def reason(self, text: str) -> str:
        """A risk decision's reason (``rule (+points): title``) with the title in this language."""
        return reason_text(self.lang, text)

    def error(self, message: str) -> str:
        """An engine error message (English) in this language."""
        return error_zh(message) if self.lang == "zh" else message

    def pick(self, zh: str, en: str) -> str:
        """One of two texts the data gives in both languages."""
        return zh if self.lang == "zh" else en
