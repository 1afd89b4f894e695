#!/usr/bin/env python3
"""A stand-in for the `pulumi` CLI: records every call and answers like the CLI.

State (stacks, tags, outputs) lives in $FAKE_PULUMI_STATE; each call is appended to
$FAKE_PULUMI_LOG as JSON. `up` stores $FAKE_PULUMI_OUTPUTS as the stack's outputs.
"""

import json
import os
import sys
from pathlib import Path

STATE = Path(os.environ["FAKE_PULUMI_STATE"])
LOG = Path(os.environ["FAKE_PULUMI_LOG"])


def option(args, name):
    return args[args.index(name) + 1] if name in args else None


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(255)


def main(args):  # noqa: PLR0912 - one branch per CLI command it stands in for
    state = json.loads(STATE.read_text()) if STATE.exists() else {"stacks": {}}
    entry = {"args": args, "cwd": os.getcwd()}
    config_file = option(args, "--config-file")
    if config_file:
        entry["config"] = Path(config_file).read_text()
    with LOG.open("a") as log:
        log.write(json.dumps(entry) + "\n")
    stacks = state["stacks"]
    stack = option(args, "--stack")
    words = [a for a in args if not a.startswith("--")]

    if words[:2] == ["stack", "ls"]:
        print(
            json.dumps(
                [
                    {"name": n, "current": False, "resourceCount": s["resources"]}
                    for n, s in sorted(stacks.items())
                ]
            )
        )
    elif words[:2] == ["stack", "init"]:
        if words[2] in stacks:
            fail(f"stack '{words[2]}' already exists")
        stacks[words[2]] = {"tags": {}, "outputs": {}, "resources": 0}
    elif words[:2] == ["stack", "rm"]:
        if stacks.get(words[2], {}).get("resources"):
            fail(f"'{words[2]}' still has resources; use --force")
        if stacks.pop(words[2], None) is None:
            fail(f"no stack named '{words[2]}' found")
    elif stack not in stacks:
        fail(f"no stack named '{stack}' found")
    elif words[:3] == ["stack", "tag", "set"]:
        stacks[stack]["tags"][words[3]] = words[4]
    elif words[:3] == ["stack", "tag", "ls"]:
        print(json.dumps(stacks[stack]["tags"]))
    elif words[:2] == ["stack", "output"]:
        print(json.dumps(stacks[stack]["outputs"]))
    elif words[0] == "up":
        print(f"Updating ({stack})")
        stacks[stack]["outputs"] = json.loads(os.environ.get("FAKE_PULUMI_OUTPUTS", "{}"))
        stacks[stack]["resources"] = 30
    elif words[0] == "destroy":
        if os.environ.get("FAKE_PULUMI_PROTECTED") == stack:
            fail("resource is protected; refusing to delete it")
        print(f"Destroying ({stack})")
        stacks[stack]["resources"] = 0
        stacks[stack]["outputs"] = {}
    else:
        fail(f"fake pulumi does not know {args}")
    STATE.write_text(json.dumps(state))


if __name__ == "__main__":
    main(sys.argv[1:])
