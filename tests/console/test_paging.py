"""A console page number that does not exist is refused in the console's words: how many
pages there are and a button to the last one, never the command line's ``--page`` and never
a silently empty list."""

from __future__ import annotations

import html
import re
from itertools import product

from tests.console.conftest import Api, login

from merchantry.console.messages_en import MESSAGES as EN
from merchantry.console.messages_zh import MESSAGES as ZH

LAST_LINK = re.compile(r'<a class="button" href="([^"]+)">')


def _paged(api: Api) -> list[tuple[str, str]]:
    """Each paged list: its page's path and the query parameter that numbers its pages."""
    shop = api.victim
    return [
        (f"/console/shops/{shop}/statement", "page"),
        (f"/console/shops/{shop}/statement", "ledger_page"),
        (f"/console/shops/{shop}/payouts", "page"),
        (f"/console/shops/{shop}/cases", "page"),
        ("/console/op/cases?sort=amount", "page"),
    ]


def test_a_page_past_the_last_says_so_with_a_link_to_the_last(api: Api) -> None:
    """Past the last page and beyond any list's reach, in both languages, on every paged
    page (one app: the fixture is built once for all of them)."""
    login(api.client, api.operator_key)
    for asked, lang, (path, param) in product((10_000, 10**15), ("en", "zh"), _paged(api)):
        words = EN if lang == "en" else ZH
        sep = "&" if "?" in path else "?"
        answer = api.client.get(f"{path}{sep}{param}={asked}&lang={lang}")
        text = html.unescape(answer.text)
        assert answer.status_code == 422, (path, text[:1500])  # an input error
        assert "--page" not in text, path
        assert "query parameter" not in text, path
        link = LAST_LINK.search(answer.text)
        assert link is not None, (path, text[:1500])
        number = re.compile(rf"[?&]{param}=(\d+)")
        last = int(number.search(html.unescape(link.group(1))).group(1))  # type: ignore[union-attr]
        assert words["pager.past_last"].format(page=asked, pages=last) in text, path
        assert words["pager.to_last"].format(pages=last) in text, path
        # the link leads to a page that exists, the last: the one after it does not
        shown = api.client.get(html.unescape(link.group(1)))
        assert shown.status_code == 200, (path, shown.text[:1500])
        assert words["pager.position"].format(page=last, pages=last) in shown.text or last == 1
        beyond = api.client.get(f"{path}{sep}{param}={last + 1}&lang={lang}")
        assert beyond.status_code == 422, path
