"""The commands the README shows, read from its fenced shell blocks and sorted by what they need.

A command is a line of a ```bash (sh, shell, zsh) block, or a `$ ` line of a ```console block,
with `\\` continuations joined and `# comments` dropped. Each is one of:

- offline: `fabml` (as `bin/fabml` or `.venv/bin/fabml`) with a subcommand that needs no cloud
  (plan, policy, fabric without a deployment's `--outputs`, score-local) or asking for help,
  as one simple command with at most a `> FILE` redirect. tests/test_readme.py runs these.
- setup: the installers and the test command (`bin/bootstrap`, `bin/test`, `.ci/run`,
  `uv sync`). The suite running is their proof; running them inside it would reinstall the
  environment under the running tests, or start the suite again.
- tenant: everything else. These belong in the README's "What needs a tenant" checklist, the
  one place it shows them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CHECKLIST_HEADING = "what needs a tenant"
SHELL_LANGUAGES = frozenset({"bash", "sh", "shell", "zsh"})
FABML_LAUNCHERS = frozenset({"bin/fabml", ".venv/bin/fabml", "fabml"})
OFFLINE_SUBCOMMANDS = frozenset({"plan", "policy", "fabric", "score-local"})
HELP_FLAGS = frozenset({"-h", "--help", "--version"})
DEPLOYMENT_OPTIONS = frozenset({"--outputs"})  # a deployment's `pulumi stack output --json`
OUTPUT_OPTIONS = frozenset({"--out"})
SETUP = frozenset({("bin/bootstrap",), ("bin/test",), (".ci/run",), ("uv", "sync")})
TEMP = "/tmp/"  # absolute paths the README writes to; the test moves them into its own folder

Kind = Literal["offline", "setup", "tenant"]

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Command:
    text: str  # as shown, comment dropped, continuation lines joined
    line: int  # where it starts in the README, 1-based
    block: int  # which fenced block it sits in
    in_checklist: bool

    @property
    def kind(self) -> Kind:
        return classify(self.text)


@dataclass(frozen=True)
class Invocation:
    """An offline command made runnable: argv, where stdout goes, what it should write."""

    argv: list[str]
    stdout: Path | None
    outputs: list[Path] = field(default_factory=list)


def commands(markdown: str) -> list[Command]:
    """Every command in the fenced shell blocks, in order, with whether it is in the checklist."""
    found: list[Command] = []
    pending: tuple[str, int] | None = None  # a command continued with a trailing backslash
    for number, part, block, in_checklist in _shell_lines(markdown):
        line, start = (f"{pending[0]} {part}", pending[1]) if pending else (part, number)
        pending = None
        if line.endswith("\\"):
            pending = (line[:-1].rstrip(), start)
            continue
        text = _drop_comment(line)
        if text:
            found.append(Command(text, start, block, in_checklist))
    return found


def _shell_lines(markdown: str) -> Iterator[tuple[int, str, int, bool]]:
    """(line number, text, block, in the checklist) for each line of a shell block."""
    checklist_level: int | None = None
    fence: tuple[str, str] | None = None  # (fence, language) while inside a block
    block = -1
    for number, raw in enumerate(markdown.splitlines(), start=1):
        stripped = raw.strip()
        if fence is None:
            heading = _HEADING.match(raw)
            opening = _FENCE.match(raw)
            if heading:
                level = len(heading["hashes"])
                if checklist_level is not None and level <= checklist_level:
                    checklist_level = None
                if CHECKLIST_HEADING in heading["text"].lower():
                    checklist_level = level
            elif opening:
                fence = (opening["fence"], opening["info"].lower())
                block += 1
        elif stripped.startswith(fence[0]) and not stripped.strip(fence[0][0]):
            fence = None
        elif fence[1] in SHELL_LANGUAGES:
            yield number, stripped, block, checklist_level is not None
        elif fence[1] == "console" and stripped.startswith("$ "):
            yield number, stripped[2:], block, checklist_level is not None


def classify(text: str) -> Kind:
    tokens = words(text)
    if not tokens:
        return "tenant"
    if tuple(tokens[:1]) in SETUP or tuple(tokens[:2]) in SETUP:
        return "setup"
    if tokens[0] not in FABML_LAUNCHERS:
        return "tenant"
    operators = [i for i, token in enumerate(tokens) if _is_operator(token)]
    redirect = operators == [len(tokens) - 2] and tokens[-2] == ">"
    if operators and not redirect:
        return "tenant"  # pipes, lists, placeholders like <id>: not one simple command
    args = tokens[1 : operators[0] if operators else None]
    if HELP_FLAGS & set(args):
        return "offline"
    if not args or args[0] not in OFFLINE_SUBCOMMANDS:
        return "tenant"
    if DEPLOYMENT_OPTIONS & {arg.split("=", 1)[0] for arg in args}:
        return "tenant"
    return "offline"


def invocation(text: str, *, fabml: Path, cwd: Path, repo: Path) -> Invocation:
    """argv for an offline command run in `cwd`: inputs from `cwd` or the repository, outputs
    (`--out`, `>`, anything under /tmp/) in `cwd`. Refuses one that would write elsewhere."""
    tokens = words(text)
    if not tokens or classify(text) != "offline":
        raise ValueError(f"not an offline command: {text}")
    stdout = None
    if ">" in tokens:
        stdout = _output(tokens[-1], cwd, text)
        tokens = tokens[:-2]
    argv = [str(fabml)]
    outputs = [stdout] if stdout else []
    args = tokens[1:]
    for index, arg in enumerate(args):
        option, eq, value = arg.partition("=")
        if eq and option in OUTPUT_OPTIONS:
            path = _output(value, cwd, text)
            outputs.append(path)
            argv.append(f"{option}={path}")
        elif index and args[index - 1] in OUTPUT_OPTIONS:
            path = _output(arg, cwd, text)
            outputs.append(path)
            argv.append(str(path))
        elif arg.startswith("-") or index == 0:
            argv.append(arg)
        else:
            argv.append(_input(arg, cwd, repo))
    return Invocation(argv, stdout, outputs)


def words(text: str) -> list[str] | None:
    """Shell words, with operators (`>`, `|`, `&&`, `<`) as words of their own."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote
        return None


def _output(token: str, cwd: Path, text: str) -> Path:
    if token.startswith(TEMP):
        return cwd / token.removeprefix(TEMP)
    if Path(token).is_absolute():
        raise ValueError(f"writes outside a temporary folder ({token}): {text}")
    return cwd / token


def _input(token: str, cwd: Path, repo: Path) -> str:
    if token.startswith(TEMP):
        return str(cwd / token.removeprefix(TEMP))
    for base in (cwd, repo):  # what an earlier command wrote first, then the repository's files
        if not Path(token).is_absolute() and (base / token).exists():
            return str(base / token)
    return token  # a plain word: a stack name, an action


def _is_operator(token: str) -> bool:
    return bool(token) and all(char in "();<>|&" for char in token)


def _drop_comment(line: str) -> str:
    """The line without a trailing `# comment` (a # that starts a word, outside quotes)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()
