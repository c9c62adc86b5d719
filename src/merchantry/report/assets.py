"""The plotly.js bundle, taken from the installed ``plotly`` package (never a CDN).

A report either embeds the bundle in the page (one self-contained file, about
5 MB) or writes it once beside the page under a versioned name, so a folder of
reports shares one copy. Either way the page names no remote resource.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import plotly
import plotly.offline


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The minified plotly.js shipped inside the installed Python package."""
    return str(plotly.offline.get_plotlyjs())


def plotly_filename() -> str:
    """Versioned file name for the bundle written beside a page."""
    return f"plotly-{plotly.__version__}.min.js"


def write_plotly_beside(page_path: Path) -> Path:
    """Write the bundle next to ``page_path`` unless an identical copy is already there."""
    target = page_path.parent / plotly_filename()
    text = plotly_js()
    if not target.exists() or target.stat().st_size != len(text.encode("utf-8")):
        target.write_text(text, encoding="utf-8")
    return target
