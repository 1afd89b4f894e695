"""Where the checkout is, and the project's name: plain values every layer may import."""

from pathlib import Path

from infra.catalog import PROJECT

__all__ = ["PROJECT", "REPO_ROOT"]

REPO_ROOT = Path(__file__).resolve().parent.parent
