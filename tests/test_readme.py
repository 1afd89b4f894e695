"""The README's commands: every offline one runs here, every other one is in the tenant checklist.

Offline commands run through the `fabml` entry point of the environment running this suite (what
`bin/fabml` execs once `bin/bootstrap` finds `.venv` current; running the bootstrap here could
reinstall packages under the running tests), each block in its own temporary folder, blocks in
parallel. See tests/readme_commands.py for how a command is classified.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.readme_commands import Command, classify, commands, invocation

README = (REPO / "README.md").read_text(encoding="utf-8")
COMMANDS = commands(README)
OFFLINE = [c for c in COMMANDS if c.kind == "offline"]
TIMEOUT = 180  # seconds for one command; a plan takes a few


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str  # the end of stdout and stderr, for the failure message
    missing: list[str]  # outputs the command names but did not write


def _fabml() -> Path:
    for candidate in (Path(sys.executable).parent / "fabml", REPO / ".venv" / "bin" / "fabml"):
        if candidate.exists():
            return candidate
    pytest.fail("no fabml entry point beside this Python: run the suite with bin/test")


def _run(command: Command, cwd: Path, fabml: Path) -> Run:
    try:
        call = invocation(command.text, fabml=fabml, cwd=cwd, repo=REPO)
    except ValueError as exc:
        return Run(2, str(exc), [])
    with ExitStack() as stack:
        stdout = stack.enter_context(call.stdout.open("w")) if call.stdout else subprocess.PIPE
        try:
            result = subprocess.run(
                call.argv,
                cwd=cwd,
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Run(-1, f"no answer within {TIMEOUT} s", [])
    output = "\n".join(((result.stdout or "") + (result.stderr or "")).splitlines()[-15:])
    missing = [str(path) for path in call.outputs if not path.exists()]
    return Run(result.returncode, output, missing)


@pytest.fixture(scope="module")
def offline_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Run]:
    """Every offline command's result by README line: one folder per block, blocks in parallel."""
    fabml = _fabml()
    blocks: dict[int, list[Command]] = {}
    for command in OFFLINE:
        blocks.setdefault(command.block, []).append(command)
    runs: dict[int, Run] = {}

    def run_block(block: list[Command]) -> None:
        folder = tmp_path_factory.mktemp(f"readme-block-{block[0].block}-")
        for command in block:  # in order: a later command may read what an earlier one wrote
            runs[command.line] = _run(command, folder, fabml)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(run_block, blocks.values()))
    return runs


def test_the_readme_has_both_kinds_of_command_and_the_checklist() -> None:
    # Guards the parser: a README read as empty would pass everything below.
    assert "bin/fabml plan --stack dev" in [c.text for c in OFFLINE]  # README command 1
    assert any(c.text == "bin/test" and c.kind == "setup" for c in COMMANDS)  # command 2
    checklist = [c for c in COMMANDS if c.in_checklist]
    assert len(checklist) >= 10
    assert {"az", "pulumi"} <= {c.text.split()[0] for c in checklist}
    assert README.count("- [ ] ") >= 5  # the checklist is a task list


@pytest.mark.parametrize("command", OFFLINE, ids=[f"line {c.line}: {c.text}" for c in OFFLINE])
def test_offline_command_succeeds(command: Command, offline_runs: dict[int, Run]) -> None:
    run = offline_runs[command.line]
    assert run.returncode == 0, (
        f"README line {command.line}: `{command.text}` exited {run.returncode}; if it needs a "
        f"tenant, move it into the checklist 'What needs a tenant'.\n{run.output}"
    )
    assert run.missing == [], f"`{command.text}` did not write {run.missing}"


def test_every_command_that_needs_a_tenant_is_in_the_checklist_and_only_there() -> None:
    outside = [
        f"line {c.line}: {c.text}" for c in COMMANDS if c.kind == "tenant" and not c.in_checklist
    ]
    assert outside == [], (
        "these README commands cannot run offline; show them only in 'What needs a tenant'"
    )


def test_one_stack_init_instruction() -> None:
    inits = [c.text for c in COMMANDS if c.text.startswith("pulumi stack init")]
    assert len(inits) == 1, inits


def test_no_stack_output_needs_show_secrets() -> None:
    # No output is secret: the README must not teach printing secrets.
    assert "--show-secrets" not in README


SAMPLE = """\
# Title

```bash
bin/fabml plan --stack dev     # a comment
bin/fabml plan --stack prod \\
  --json --out /tmp/plans/prod.json
# a whole-line comment
pulumi up --stack dev
```

```
pulumi up   # not a shell block: a layout tree, output
```

## What needs a tenant

- [ ] **Step.** Text.

  ```sh
  az login
  bin/fabml smoke --stack dev
  ```

### Inside the checklist still

~~~console
$ pulumi destroy --stack dev
output line
~~~

## After the checklist

```bash
bin/test
echo "# not a comment" > x
```
"""


def test_parser_reads_blocks_continuations_comments_and_the_checklist() -> None:
    found = [(c.line, c.text, c.in_checklist, c.kind) for c in commands(SAMPLE)]
    assert found == [
        (4, "bin/fabml plan --stack dev", False, "offline"),
        (5, "bin/fabml plan --stack prod --json --out /tmp/plans/prod.json", False, "offline"),
        (8, "pulumi up --stack dev", False, "tenant"),
        (20, "az login", True, "tenant"),
        (21, "bin/fabml smoke --stack dev", True, "tenant"),
        (27, "pulumi destroy --stack dev", True, "tenant"),
        (34, "bin/test", False, "setup"),
        (35, 'echo "# not a comment" > x', False, "tenant"),
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("bin/fabml plan --stack dev", "offline"),
        (".venv/bin/fabml score-local data/heart-unlabeled-0.csv --out /tmp/scored", "offline"),
        ("bin/fabml plan --stack dev --json > plan.json", "offline"),
        ("bin/fabml policy check plans/prod.json", "offline"),
        ("bin/fabml fabric --stack dev --out fabric-kit", "offline"),
        ("bin/fabml sandbox --help", "offline"),
        ("bin/fabml fabric --stack dev --outputs outputs.json --out kit", "tenant"),
        ("bin/fabml fabric --outputs=outputs.json", "tenant"),
        ("bin/fabml smoke --stack dev", "tenant"),
        ("bin/fabml sandbox list", "tenant"),
        ("bin/fabml score-endpoint rows.csv --workspace-id <id> --model-id <id>", "tenant"),
        ("bin/fabml plan --stack dev | head", "tenant"),
        ("bin/fabml plan --stack <stack>", "tenant"),
        ("bin/fabml plan --stack dev && pulumi up", "tenant"),
        ("bin/fabml plan 'unclosed", "tenant"),
        ("pulumi stack output --json > outputs.json", "tenant"),
        ("STACK=dev bin/fabml plan --stack dev", "tenant"),
        ("bin/bootstrap dev", "setup"),
        ("bin/test -q", "setup"),
        ("uv sync --frozen", "setup"),
        ("uv run pulumi up", "tenant"),
    ],
)
def test_classification(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_invocation_reads_inputs_from_the_repository_and_writes_only_in_its_folder(
    tmp_path: Path,
) -> None:
    fabml = Path("/venv/bin/fabml")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "prod.json").write_text("{}")
    call = partial(invocation, fabml=fabml, cwd=tmp_path, repo=REPO)

    scored = call("bin/fabml score-local data/heart-unlabeled-0.csv --out /tmp/scored")
    data = str(REPO / "data" / "heart-unlabeled-0.csv")
    assert scored.argv == [str(fabml), "score-local", data, "--out", str(tmp_path / "scored")]
    assert scored.outputs == [tmp_path / "scored"]

    check = call("bin/fabml policy check plans/prod.json")
    assert check.argv[-1] == str(tmp_path / "plans" / "prod.json")  # an earlier command's

    redirected = call("bin/fabml plan --stack dev --json --out=a.json > b.txt")
    out = f"--out={tmp_path / 'a.json'}"
    assert redirected.argv == [str(fabml), "plan", "--stack", "dev", "--json", out]
    assert redirected.stdout == tmp_path / "b.txt"

    with pytest.raises(ValueError, match="outside a temporary folder"):
        call("bin/fabml plan --stack dev --out /etc/plan")
    with pytest.raises(ValueError, match="not an offline command"):
        call("pulumi up")
