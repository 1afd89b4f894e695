"""The project's name and where its checkout is: plain values every layer may import."""

from pathlib import Path

# The Pulumi project name: the `fabml:` config namespace, the tag and the prefix of names.
PROJECT = "fabml"
REPO_ROOT = Path(__file__).resolve().parent.parent
