"""YAML read safely *and* boundedly: `yaml.safe_load` with a cap on what aliases expand to.

Safe loading stops code execution, not an alias bomb: nine anchors of nine aliases each
compose into a small graph that anything walking the values (masking secrets, writing JSON)
expands into 9**9 items and a MemoryError. The composed graph is measured, as it would be
expanded, before any value is built; a recursive alias is refused the same way.
"""

from __future__ import annotations

from typing import Any

import yaml

# Expanded values (scalars, keys, collections). The shipped stack files hold a few hundred;
# a hundred thousand leaves room for any real file and none for a bomb.
MAX_NODES = 100_000


class BoundedYamlError(yaml.YAMLError):
    """A document that would expand beyond MAX_NODES values, refers to itself, nests too deep
    or repeats a key."""


def _refuse_repeated_keys(node: yaml.MappingNode) -> None:
    # PyYAML keeps the last of two equal keys; Pulumi's YAML reader (Go yaml.v3) refuses the
    # file. Refused here too, so the offline plan never shows a value `pulumi up` would not.
    seen: dict[str, yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.value in seen:
            first = seen[key.value].start_mark.line + 1
            raise BoundedYamlError(
                f"key '{key.value}' is repeated (line {first} and line "
                f"{key.start_mark.line + 1}); keep one"
            )
        seen[key.value] = key


def describe(error: yaml.YAMLError) -> str:
    """One line for a YAML error: PyYAML's own text spans several, with a drawing of the spot."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{error.problem}{where}"
    return " ".join(str(error).split())


def _expanded_size(root: yaml.Node) -> int:
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise BoundedYamlError("an alias refers to a value that contains it")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            _refuse_repeated_keys(node)
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_NODES:
            raise BoundedYamlError(
                f"aliases expand to more than {MAX_NODES:,} values; write the values out"
            )
        sizes[key] = total
        return total

    return size(root)


def safe_load(text: str) -> Any:
    """Like `yaml.safe_load`; raises a `yaml.YAMLError` for a document past the bounds."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    except RecursionError:
        raise BoundedYamlError("nested too deeply") from None
    finally:
        loader.dispose()
