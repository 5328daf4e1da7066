"""The on-call runbooks: the commands they name exist, the README holds their text, the
Status page picks the ones for what is failing, and `scan-pii` finds what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assistant_cli

from assistant.config import PROJECT_ROOT
from assistant.runtime.health import HealthReport, PartHealth
from assistant.runtime.runbooks import RUNBOOKS, as_markdown, for_report

COMMAND = re.compile(r"`python -m assistant ([^`]*)`")


def _subcommand(line: str) -> list[str]:
    """The command path of ``python -m assistant LINE``: its words up to the first
    option, placeholder (FILE, RUN_A) or argument in quotes."""
    words = []
    for word in re.sub(r"^--data-dir \S+ ", "", line).split():
        if word.startswith(("-", '"')) or word.isupper() or not word[0].isalpha():
            break
        words.append(word)
    return words


def _named_commands() -> set[tuple[str, ...]]:
    named = set()
    for rb in RUNBOOKS:
        for line in [rb.command, *COMMAND.findall(rb.body())]:
            named.add(tuple(_subcommand(line.removeprefix("python -m assistant "))))
    return named


def test_every_runbook_starts_with_a_command() -> None:
    for rb in RUNBOOKS:
        assert rb.command.startswith("python -m assistant "), rb.key
        assert rb.body().splitlines()[2].startswith(f"1. `{rb.command}`"), rb.key


@pytest.mark.parametrize("words", sorted(_named_commands()), ids=" ".join)
def test_each_command_a_runbook_names_exists(words: tuple[str, ...]) -> None:
    assert words, "a runbook names `python -m assistant` without a command"
    done = assistant_cli(*words, "--help", timeout=120)
    assert done.returncode == 0, f"python -m assistant {' '.join(words)}: {done.stderr}"
    assert "Usage:" in done.stdout


def test_the_readme_holds_the_runbooks_as_the_command_prints_them() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    printed = subprocess.run(
        [sys.executable, "-m", "assistant", "runbooks"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == as_markdown()
    assert printed in readme, "README's runbooks differ: paste `python -m assistant runbooks`"


def _report(**failing: bool) -> HealthReport:
    names = ("weaviate", "index", "database", "embedder", "generator", "disk")
    return HealthReport(parts={n: PartHealth(ok=not failing.get(n, False)) for n in names})


def test_the_status_page_shows_the_runbooks_of_what_fails() -> None:
    assert for_report(_report(), remote_generator=False) == []
    keys = lambda rbs: [rb.key for rb in rbs]  # noqa: E731
    assert keys(for_report(_report(generator=True), remote_generator=False)) == ["model-server"]
    assert keys(for_report(_report(generator=True), remote_generator=True)) == ["provider"]
    both = for_report(_report(weaviate=True, index=True), remote_generator=False)
    assert keys(both) == ["weaviate-down", "empty-index"]
    assert keys(for_report(_report(disk=True, database=True), False)) == ["disk-full", "database"]
    # The ones no health check can see are listed on the page all the same (RUNBOOKS).
    assert {"eval-regression", "pii-in-export"} <= {rb.key for rb in RUNBOOKS}


def test_scan_pii_names_the_lines_and_kinds_never_the_values(tmp_path: Path) -> None:
    export = tmp_path / "golden.jsonl"
    export.write_text(
        '{"user_input": "How many days of leave do I get?"}\n'
        '{"user_input": "Mail <EMAIL_ADDRESS> about it"}\n'
        '{"user_input": "Mail rita.meyer@example.com or call +49 89 1234 5678"}\n',
        encoding="utf-8",
    )
    done = assistant_cli("scan-pii", str(export), timeout=180)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0].startswith("line 3: ")
    assert "EMAIL_ADDRESS" in done.stdout and "PHONE_NUMBER" in done.stdout
    assert "line 1" not in done.stdout and "line 2" not in done.stdout  # placeholders are fine
    said = done.stdout + done.stderr
    assert "rita.meyer" not in said and "1234" not in said
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"user_input": "How many days of leave do I get?"}\n', encoding="utf-8")
    assert assistant_cli("scan-pii", str(clean), timeout=180).returncode == 0
    missing = assistant_cli("scan-pii", str(tmp_path / "nope.jsonl"), timeout=60)
    assert missing.returncode == 2 and "Cannot read" in missing.stderr


def test_scan_pii_reads_escaped_wide_and_long_text_and_counts_lines_as_grep(
    tmp_path: Path,
) -> None:
    escaped = tmp_path / "escaped.jsonl"
    escaped.write_text(
        '{"q": "first\\u2028still the first line"}\n'  # an escaped line separator: one line
        '{"q": "mail alice\\u0040example.com"}\n'  # JSON's escape of "@"
        '{"q": "bob%40example.com"}\n'  # a URL's
        '{"q": "\uff41\uff4c\uff49\uff43\uff45@example.com"}\n'  # full-width letters
        f'{{"q": "{"x" * 19_990} carol.jones@example.com {"y" * 30_000}"}}\n',  # across pieces
        encoding="utf-8",
    )
    done = assistant_cli("scan-pii", str(escaped), timeout=300)
    assert done.returncode == 1, done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == [
        "line 2", "line 3", "line 4", "line 5"
    ]  # fmt: skip
    wide = tmp_path / "utf16.txt"
    wide.write_text("Contact: rita.meyer@example.com\n", encoding="utf-16")
    done = assistant_cli("scan-pii", str(wide), timeout=180)
    assert done.returncode == 1 and done.stdout.startswith("line 1: EMAIL_ADDRESS")
