"""`merchantry rulebook check|explain`: validate rulebooks, show the rules in force."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from merchantry.cli.options import RulebookDirsOption, command, rulebook_dirs
from merchantry.kit.errors import (
    Diagnostic,
    InputError,
    MerchantryError,
    NotFound,
    Severity,
    has_errors,
)
from merchantry.risk.rules import compile_risk_rules
from merchantry.rulebook import Rulebook, check_file, load_rulebook
from merchantry.rulebook.library import SUFFIXES, available_names, find_rulebook, search_dirs
from merchantry.rulebook.parse import did_you_mean
from merchantry.rulebook.purpose import COMMANDS, stages_of
from merchantry.rulebook.registry import describe_effect
from merchantry.rulebook.score_effects import SCORE_KIND_NAMES
from merchantry.scoring.rules import check_score_rules


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    group = typer.Typer(help="Check and explain rulebooks.", no_args_is_help=True)
    command(group, "check", check_command)
    command(group, "explain", explain_command)
    command(group, "list", list_command)
    app.add_typer(group, name="rulebook")


def resolve_target(target: Path, dirs: tuple[Path, ...]) -> Path:
    """A file to check: ``target`` itself, or the file of the rulebook named ``target``."""
    if target.is_file():
        return target
    if target.is_dir():
        raise InputError(
            f"{target} is a folder; give rulebook files (e.g. {target}/*.yaml) or a name"
        )
    text = str(target)
    if target.suffix not in SUFFIXES and "/" not in text and "\\" not in text:
        found = find_rulebook(text, search_dirs(dirs))
        if found is not None:
            return found
    names = available_names(search_dirs(dirs))
    hint = did_you_mean(target.stem, names) or "rulebooks: " + ", ".join(names)
    raise NotFound(
        f"{text} is neither a file nor a rulebook name found in the rulebook folders; {hint} "
        "(give a YAML file path, or a rulebook name with --rulebook-dir for its folder)"
    )


def check_command(
    files: Annotated[
        list[Path], typer.Argument(help="Rulebook YAML files, or rulebook names, to check.")
    ],
    dirs: RulebookDirsOption = None,
) -> None:
    """Print every problem in the given rulebooks; exit 1 when any is an error."""
    console = Console()
    diagnostics: list[Diagnostic] = []
    folders = rulebook_dirs(dirs)
    for path in [resolve_target(f, folders) for f in files]:
        if path not in files:
            console.print(f"checking rulebook {path.stem} ({path})", highlight=False)
        book, found = check_file(path, folders)
        diagnostics.extend(found)
        if book is not None:
            diagnostics.extend(stage_checks(book))
    diagnostics = list(dict.fromkeys(diagnostics))
    for d in diagnostics:
        colour = "red" if d.severity is Severity.ERROR else "yellow"
        where = d.source + (f":{d.line}" if d.line is not None else "")
        console.print(
            f"[bold]{where}[/]: [{colour}]{d.severity.value}[/] [{colour}]{d.code}[/]: {d.message}",
            highlight=False,
        )
        if d.hint:
            console.print(f"    hint: {d.hint}", highlight=False)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    console.print(
        f"{len(files)} file(s) checked: {errors} error(s), {len(diagnostics) - errors} warning(s)"
    )
    if has_errors(diagnostics):
        raise typer.Exit(1)


def stage_checks(book: Rulebook) -> list[Diagnostic]:
    """What the stages that run ``book``'s rules add to the generic check: a score
    rulebook must be scorable, risk rules may only read request-time columns."""
    found: list[Diagnostic] = []
    if any(r.effect.kind in SCORE_KIND_NAMES for r in book.rules):
        found.extend(check_score_rules(book))
    if book.rules_of("risk_signal"):
        try:
            compile_risk_rules(book)
        except InputError as refused:
            found.extend(refused.diagnostics)
    return found


def explain_command(
    name: Annotated[str, typer.Argument(help="Rulebook name, e.g. douyin-2026.")],
    dirs: RulebookDirsOption = None,
) -> None:
    """The rules in force after inheritance, in plain words, with sources and assumptions."""
    book = load_rulebook(name, rulebook_dirs(dirs))
    console = Console()
    window = f"{book.effective_from} – {book.effective_to or 'open'}"
    console.print(f"[bold]{book.name}[/]: {book.title}  ({window})", highlight=False)
    console.print("lineage: " + " ← ".join(book.lineage), highlight=False)
    table = Table(show_lines=False)
    for column in ("rule", "what it does", "when", "effect", "source / assumption"):
        table.add_column(column, overflow="fold")
    for kind in dict.fromkeys(r.effect.kind for r in book.rules):
        for rule in book.rules_of(kind):
            where = rule.provenance.source or ""
            if rule.provenance.assumption:
                where = f"[yellow]ASSUMPTION[/] {rule.provenance.note}" + (
                    f" ({where})" if where else ""
                )
            origin = "" if rule.origin == book.name else f"\n[dim]from {rule.origin}[/]"
            table.add_row(
                rule.id + origin,
                rule.title,
                " ".join(rule.when.split()),
                f"{describe_effect(rule.effect)} [dim]({rule.stacking.value}, p{rule.priority})[/]",
                where,
            )
    console.print(table)
    if book.parameters:
        params = Table(title="parameters")
        for column in ("name", "value", "source / assumption"):
            params.add_column(column, overflow="fold")
        for p in book.parameters:
            where = p.provenance.source
            if p.provenance.assumption:
                where = f"[yellow]ASSUMPTION[/] {p.provenance.note}"
            params.add_row(p.name, str(p.value), where)
        console.print(params)
    assumed = sum(r.provenance.assumption for r in book.rules)
    console.print(f"{len(book.rules)} rules in force, {assumed} resting on assumptions.")


def list_command(
    dirs: RulebookDirsOption = None,
    names: Annotated[
        bool, typer.Option("--names", help="Only the names, one a line (for scripts).")
    ] = False,
) -> None:
    """The rulebooks found (shipped and in --rulebook-dir folders): each one's marketplace,
    the commands that run it, when it is in force and its title."""
    folders = rulebook_dirs(dirs)
    found = available_names(search_dirs(folders))
    if names:
        for name in found:
            typer.echo(name)
        return
    table = Table(title="Rulebooks · 规则集", title_justify="left", show_edge=False)
    table.add_column("name", overflow="fold", min_width=12)
    table.add_column("platform", overflow="fold")
    table.add_column("run by", overflow="fold", min_width=6)
    for column in ("from", "until"):
        table.add_column(column, no_wrap=True)
    table.add_column("title", overflow="fold", min_width=12)
    for name in found:
        try:
            book = load_rulebook(name, folders)
        except MerchantryError as err:
            first = str(err).splitlines()[0]
            table.add_row(
                name, "", "", "", "", f"does not check: {first} (`rulebook check {name}`)"
            )
            continue
        runs = ", ".join(sorted(COMMANDS[s].removeprefix("merchantry ") for s in stages_of(book)))
        until = str(book.effective_to or "")
        table.add_row(
            name, book.platform or "-", runs or "-", str(book.effective_from), until, book.title
        )
    Console(highlight=False).print(table, markup=False)
