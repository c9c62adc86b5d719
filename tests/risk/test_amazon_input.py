"""The Amazon graph's files as a user may hand them over: plain or gzip, and with the
mistakes a hand-edited or cut file has; each bad value is refused naming file, line and
column, never a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode, InputError, NotFound
from merchantry.risk.amazon import FEATURES, load_graph

HEADER = ",".join(["node_id", "label", *(f"f{i}" for i in range(FEATURES))])
LABELS = (0, 1, 0, 0, 1, 0)
EDGES = ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 5))


def node_lines(labels=LABELS) -> list[str]:
    return [
        HEADER,
        *(
            ",".join([str(n), str(label), *(f"{(n * 7 + i) % 5}.5" for i in range(FEATURES))])
            for n, label in enumerate(labels)
        ),
    ]


def edge_lines(edges=EDGES) -> list[str]:
    return ["src,dst", *(f"{a},{b}" for a, b in edges)]


def graph(
    folder: Path, nodes: list[str] | None = None, edges: list[str] | None = None, *, packed=True
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, rows in (("nodes", nodes or node_lines()), ("edges_upu", edges or edge_lines())):
        text = ("\n".join(rows) + "\n").encode()
        if packed:
            (folder / f"{stem}.csv.gz").write_bytes(gzip.compress(text))
        else:
            (folder / f"{stem}.csv").write_bytes(text)
    return folder


def test_plain_csv_files_are_read_like_gzip_ones(tmp_path):
    features, labels, adjacency = load_graph(graph(tmp_path / "plain", packed=False))
    features_gz, labels_gz, adjacency_gz = load_graph(graph(tmp_path / "gz"))
    assert np.array_equal(features, features_gz)
    assert labels.tolist() == list(LABELS) == labels_gz.tolist()
    assert adjacency.nnz == adjacency_gz.nnz == 2 * len(EDGES)


def test_a_folder_without_the_files_names_what_it_holds(tmp_path):
    (tmp_path / "Amazon_upu.mat").write_bytes(b"")
    with pytest.raises(NotFound, match=r"nodes.csv.gz \(or nodes.csv\); the folder holds Amazon"):
        load_graph(tmp_path)


def _with(rows: list[str], line: int, column: int, value: str) -> list[str]:
    """``rows`` with the field ``column`` of file line ``line`` (1-based) set to ``value``."""
    fields = rows[line - 1].split(",")
    fields[column] = value
    return [*rows[: line - 1], ",".join(fields), *rows[line:]]


@pytest.mark.parametrize(
    ("nodes", "edges", "words"),
    [
        (_with(node_lines(), 3, 4, "abc"), None, "nodes.csv.gz:3 [f2]: error: f2 is 'abc'"),
        (_with(node_lines(), 4, 1, ""), None, "nodes.csv.gz:4 [label]: error: label is empty"),
        (_with(node_lines(), 4, 1, "yes"), None, "label is 'yes'; it must be 0 or 1"),
        (_with(node_lines(), 2, 0, "x1"), None, "nodes.csv.gz:2 [node_id]"),
        (_with(node_lines(), 3, 0, "0"), None, "node 0 again (first at line 2)"),
        ([*node_lines()[:-1], "7" + node_lines()[-1][1:]], None, "node 5 is missing"),
        (node_lines(labels=(0,) * 6), None, "every label is 0"),
        ([HEADER.replace(",f24", "")], None, "the header has no column f24"),
        (None, [*edge_lines(), "5,99999"], "edges_upu.csv.gz:8 [dst]: error: dst names node 99999"),
        (None, [*edge_lines(), "2,"], "edges_upu.csv.gz:8 [dst]: error: dst is empty"),
        (None, [*edge_lines(), "3"], "edges_upu.csv.gz:8: error: the row has 1 fields, not 2"),
        (None, ["src,dst"], "no edge rows"),
    ],
)
def test_bad_values_are_refused_naming_file_line_and_column(tmp_path, nodes, edges, words):
    folder = graph(tmp_path / "g", nodes, edges)
    with pytest.raises(InputError) as caught:
        load_graph(folder)
    assert words in str(caught.value)


def test_a_cut_gzip_file_is_an_input_error_naming_it(tmp_path):
    folder = graph(tmp_path / "g", edges=edge_lines(EDGES * 3000))
    whole = (folder / "edges_upu.csv.gz").read_bytes()
    (folder / "edges_upu.csv.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"edges_upu.csv.gz: the gzip stream is cut"):
        load_graph(folder)


@pytest.mark.parametrize(
    ("nodes", "edges", "cut"),
    [
        (_with(node_lines(), 3, 4, "abc"), None, False),
        (None, [*edge_lines(), "5,99999"], False),
        (None, edge_lines(EDGES * 3000), True),
    ],
)
def test_the_command_refuses_a_bad_graph_with_exit_2_not_an_internal_error(
    tmp_path, nodes, edges, cut
):
    folder = graph(tmp_path / "g", nodes, edges)
    if cut:
        whole = (folder / "edges_upu.csv.gz").read_bytes()
        (folder / "edges_upu.csv.gz").write_bytes(whole[: len(whole) // 2])
    result = CliRunner().invoke(
        app, ["risk", "evaluate", "--amazon", str(folder), "--db", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "internal error" not in result.output
    assert str(folder) in result.output
