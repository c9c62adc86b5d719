"""The programme and seeding pages in process: a merchant's tasks, rewards and creators, the
operator's uptake, spend and seeding figures, both languages, the shop rule.

The warehouse is the API tests' generated marketplace with the growth stages (every
programme and the seeding attribution) run over it; each figure a test checks is read back
from the stage's tables with SQL of its own, not from the page's use case.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from tests.api.conftest import END
from tests.console.conftest import PYTHON_REPR, Api, login

from merchantry.console.i18n import MISSING
from merchantry.console.messages_programs import EN, ZH
from merchantry.kit.money import format_fen
from merchantry.service.programs import run_programmes
from merchantry.service.snapshot import open_snapshot
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START

UNTRANSLATED = re.compile(re.escape(MISSING.format("")[0]) + r"[a-z_.0-9]+")


@pytest.fixture(scope="module")
def market_db(market_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The API tests' marketplace with every programme and the seeding stage run over it."""
    path = tmp_path_factory.mktemp("growth") / "market.duckdb"
    shutil.copy(market_db, path)
    con = connect(path)
    try:
        run_programmes(con, DEFAULT_START, END)
    finally:
        con.close()
    return path


def _html(api: Api, path: str) -> str:
    answer = api.client.get(path)
    assert answer.status_code == 200, (path, answer.text[:2000])
    assert not UNTRANSLATED.findall(answer.text), UNTRANSLATED.findall(answer.text)
    assert not PYTHON_REPR.findall(answer.text), (path, PYTHON_REPR.findall(answer.text))
    return answer.text


def test_the_programme_catalogues_hold_the_same_keys_and_placeholders() -> None:
    assert set(ZH) == set(EN)
    fields = re.compile(r"\{(\w+)\}")
    for key in ZH:
        assert set(fields.findall(ZH[key])) == set(fields.findall(EN[key])), key


def test_a_merchant_sees_each_tasks_progress_and_its_rewards(api: Api) -> None:
    shop = api.victim
    with open_snapshot(api.warehouse) as con:
        tasks = con.execute(
            "SELECT program, task_id, progress, target, state FROM program_tasks "
            "WHERE shop_id = ? ORDER BY program, task_id",
            [shop],
        ).fetchall()
        granted = dict(
            con.execute(
                "SELECT program, sum(amount_fen) FROM program_rewards WHERE shop_id = ? "
                "GROUP BY program",
                [shop],
            ).fetchall()
        )
        gmv = con.execute(
            "SELECT coalesce(sum(attributed_gmv_fen), 0) FROM seeding_attributions "
            "WHERE shop_id = ? AND status <> 'dropped_refund'",
            [shop],
        ).fetchone()
    assert tasks, f"shop {shop} is in no programme: the fixture lost its point"
    login(api.client, api.victim_key)
    html = _html(api, f"/console/shops/{shop}/programs?lang=en")
    for program, task_id, progress, target, state in tasks:
        section = html.split(f'data-program="{program}"', 1)[1].split("</section>", 1)[0]
        row = section.split(f'data-task="{task_id}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-state="{state}"' in row
        assert f"{progress:,} of {target:,}" in row
        assert EN[f"task_state.{state}"] in row
        shown = section.split('data-testid="granted">', 1)[1].split("<", 1)[0]
        assert shown == format_fen(int(granted.get(program) or 0))
    assert gmv is not None
    shown = html.split('data-testid="seeding-gmv">', 1)[1].split("<", 1)[0]
    assert shown == format_fen(int(gmv[0]))
    assert 'aria-current="page"' in html.split(f"/console/shops/{shop}/programs", 1)[1][:40]
    zh = _html(api, f"/console/shops/{shop}/programs?lang=zh")
    assert ZH["programs.title"] in zh
    assert ZH["seeding.title"] in zh


def test_a_merchant_is_refused_another_shops_programmes_and_the_operator_page(
    api: Api,
) -> None:
    login(api.client, api.victim_key)
    with open_snapshot(api.warehouse) as con:
        name = con.execute("SELECT name FROM shops WHERE shop_id = ?", [api.other]).fetchone()
    assert name is not None
    for path in (f"/console/shops/{api.other}/programs", "/console/op/programs"):
        answer = api.client.get(path, follow_redirects=False)
        assert answer.status_code == 403, path
        assert str(name[0]) not in answer.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_operator_sees_uptake_spend_and_seeding(api: Api, lang: str) -> None:
    with open_snapshot(api.warehouse) as con:
        costs = dict(
            con.execute(
                "SELECT program, sum(fen) FROM ("
                " SELECT program, amount_fen AS fen FROM program_rewards"
                " UNION ALL SELECT program, charged_fen FROM program_order_subsidies"
                ") GROUP BY program"
            ).fetchall()
        )
        participants = dict(
            con.execute(
                "SELECT program, count(DISTINCT shop_id) FILTER (WHERE state = 'completed') "
                "FROM program_tasks GROUP BY program"
            ).fetchall()
        )
        seeding = con.execute(
            "SELECT coalesce(sum(attributed_gmv_fen) FILTER (WHERE status <> 'dropped_refund'), 0),"
            " count(DISTINCT creator_id) FILTER (WHERE payout_fen > 0) FROM seeding_attributions"
        ).fetchone()
    assert participants
    login(api.client, api.operator_key)
    html = _html(api, f"/console/op/programs?lang={lang}")
    table = html.split('data-testid="programmes"', 1)[1].split("</table>", 1)[0]
    for program, n in participants.items():
        row = table.split(f'data-program="{program}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-testid="participants">{n:,}<' in row
        assert f'data-testid="cost">{format_fen(int(costs.get(program) or 0))}<' in row
    assert seeding is not None
    assert f'data-testid="seeding-gmv">{format_fen(int(seeding[0]))}<' in html
    assert f'data-testid="creators-paid">{int(seeding[1]):,}<' in html
    assert 'data-chart="programme-cost"' in html
    assert 'data-chart="seeding-gmv-chart"' in html
    words = ZH if lang == "zh" else EN
    assert words["op_programs.pairs"] in html.split('data-testid="effects"', 1)[1]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("reader", ["operator", "merchant"])
def test_a_seeding_period_outside_the_attributed_days_says_so(
    api: Api, lang: str, reader: str
) -> None:
    """The operators' report and the merchant's page alike: zeros over days the seeding stage
    never attributed are named as such, not left to read as "no buyer came through a
    creator"."""
    with open_snapshot(api.warehouse) as con:
        first, last = con.execute(
            "SELECT min(paid_on), max(paid_on) FROM seeding_attributions"
        ).fetchone() or (None, None)
    assert first is not None
    assert last is not None
    words = ZH if lang == "zh" else EN
    if reader == "operator":
        key, page, keys = api.operator_key, "/console/op/programs", "op_seeding"
    else:
        key, page, keys = api.victim_key, f"/console/shops/{api.victim}/programs", "seeding"
    login(api.client, key)
    html = _html(api, f"{page}?lang={lang}")
    assert 'data-testid="seeding-coverage"' not in html  # the default period is the span
    html = _html(api, f"{page}?lang={lang}&start=2020-01-01&end=2020-01-31")
    note = html.split('data-testid="seeding-coverage">', 1)[1].split("</p>", 1)[0]
    expected = words[f"{keys}.outside"].format(
        start="2020-01-01", end="2020-01-31", first=first, last=last
    )
    assert note == expected
    assert f'data-testid="seeding-gmv">{format_fen(0)}<' in html
    after = last + timedelta(days=10)
    html = _html(api, f"{page}?lang={lang}&start={first}&end={after}")
    note = html.split('data-testid="seeding-coverage">', 1)[1].split("</p>", 1)[0]
    assert note == words[f"{keys}.partly"].format(first=first, last=last)
