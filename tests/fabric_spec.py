"""The published Fabric REST OpenAPI (vendored in tests/specs/fabric) as a request and
response checker.

Matches a request to its operation (method and path template), checks path parameters,
declared query parameters and the body against the operation's schema (references across
files resolved, polymorphic types checked through their discriminator), and a stand-in's
answer against the schema the operation declares for that status.

Enums marked `x-ms-enum.modelAsString` are open ("additional values may be added over time"):
a client must accept values it does not know, and the spec's own examples use some (a
`continuationUri` of another path, new credential types), so those enums check the type only.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jsonschema
import jsonschema.validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import SPECS as VENDORED

SPECS = VENDORED / "fabric"
FOLDERS = ("platform", "dataPipeline", "mlModel", "lakehouse", "dataflow", "notebook")
UUID = re.compile(r"^[0-9a-fA-F-]{36}$")
# The service principal row of an operation's identity table: `| [Service principal](...) and
# [Managed identities](...) | Yes |`.
PRINCIPAL_ROW = re.compile(r"^\| \[Service principal\][^|]*\|([^|\n]*)\|", re.MULTILINE)


def _loosen(node: Any) -> Any:
    """Swagger's bare `type: object` means "any value" in these specs (e.g. score inputs);
    an enum modelled as a string is open."""
    if isinstance(node, dict):
        node = {k: _loosen(v) for k, v in node.items()}
        if (node.get("x-ms-enum") or {}).get("modelAsString"):
            node.pop("enum", None)
        if node.get("type") == "file":  # raw content (an operation's result): any value
            node.pop("type")
        if node.get("type") == "object" and not {
            "properties",
            "allOf",
            "additionalProperties",
        } & set(node):
            node.pop("type")
        return node
    if isinstance(node, list):
        return [_loosen(v) for v in node]
    return node


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]
    file: Path

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId"))


class FabricSpec:
    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        for path in sorted(SPECS.rglob("*.json")):
            if "examples" not in path.parts:
                self.documents[path.resolve().as_uri()] = _loosen(json.loads(path.read_text()))
        self.registry = Registry().with_resources(
            (uri, Resource(contents=doc, specification=DRAFT4))
            for uri, doc in self.documents.items()
        )
        self.subtypes = self._discriminator_subtypes()
        self.operations: list[Operation] = []
        for folder in FOLDERS:
            swagger = SPECS / folder / "swagger.json"
            document = self.documents[swagger.resolve().as_uri()]
            base = document.get("basePath", "")
            for template, methods in document["paths"].items():
                regex = re.sub(r"\{[^}]+\}", "([^/]+)", base + template)
                for method, spec in methods.items():
                    if method in ("get", "post", "put", "patch", "delete"):
                        self.operations.append(
                            Operation(
                                method.upper(),
                                base + template,
                                re.compile(f"^{regex}$"),
                                spec,
                                swagger.resolve(),
                            )
                        )

    def _discriminator_subtypes(self) -> dict[tuple[str, str], dict[str, str]]:
        subtypes: dict[tuple[str, str], dict[str, str]] = {}
        for uri, document in self.documents.items():
            for name, schema in (document.get("definitions") or {}).items():
                for parent in schema.get("allOf", []):
                    ref = parent.get("$ref", "")
                    if ref.startswith("#/definitions/"):
                        value = schema.get("x-ms-discriminator-value", name)
                        subtypes.setdefault((uri, ref.split("/")[-1]), {})[value] = name
        return subtypes

    def operation(self, method: str, url: str) -> Operation | None:
        path = urlparse(url).path
        matches = [o for o in self.operations if o.method == method and o.pattern.match(path)]
        # The most specific template wins (/shortcuts/bulkCreate over /shortcuts/{a}/{b}).
        return min(matches, key=lambda o: o.template.count("{"), default=None)

    def principals(self, method: str, url: str) -> str:
        """What the operation's "Microsoft Entra supported identities" table says for service
        principals and managed identities: "Yes", "No", or its condition in words ("" when the
        operation or its table is missing)."""
        operation = self.operation(method, url)
        row = PRINCIPAL_ROW.search((operation.spec.get("description") or "") if operation else "")
        return row.group(1).strip() if row else ""

    def check(self, method: str, url: str, body: Any) -> list[str]:
        operation = self.operation(method, url)
        if operation is None:
            return [f"{method} {urlparse(url).path}: no such operation in the Fabric spec"]
        problems: list[str] = []
        names = re.findall(r"\{([^}]+)\}", operation.template)
        values = operation.pattern.match(urlparse(url).path).groups()  # type: ignore[union-attr]
        parameters = [self._parameter(operation, p) for p in operation.spec.get("parameters", [])]
        for name, value in zip(names, values, strict=True):
            declared = next((p for p in parameters if p.get("name") == name), {})
            if declared.get("format") == "uuid" and not UUID.match(value):
                problems.append(f"path parameter {name}={value!r} is not a uuid")
        query = parse_qs(urlparse(url).query)
        allowed = {p["name"] for p in parameters if p.get("in") == "query"}
        problems += [f"query parameter {k!r} is not in the spec" for k in query if k not in allowed]
        body_parameter = next((p for p in parameters if p.get("in") == "body"), None)
        if body_parameter is not None and body is None and body_parameter.get("required"):
            problems.append("the request body is required")
        if body_parameter is not None and body is not None:
            problems += self.validate(body, body_parameter["schema"], operation.file.as_uri())
        return [f"{operation.operation_id}: {p}" for p in problems]

    def check_response(
        self,
        method: str,
        url: str,
        status: int,
        body: Any,
        *,
        origin: tuple[str, str] | None = None,
    ) -> list[str]:
        """The answer a stand-in gives, against the schema the operation declares for it.

        `origin`: the call that started a long-running operation, whose 200 answer is the shape
        of the operation's result (which the spec itself declares as raw content).
        """
        result = origin is not None and status == 200
        if result:
            method, url = origin  # type: ignore[misc]
        operation = self.operation(method, url)
        if operation is None:
            return []  # the request check reports it
        responses = operation.spec.get("responses", {})
        declared = responses.get(str(status))
        if result and declared is None:  # a create's result is what its 201 would hold
            declared = responses.get("201")
        if declared is None and status >= 400:
            declared = responses.get("default")
        if declared is None:
            return [f"{operation.operation_id}: status {status} is not a declared response"]
        schema = declared.get("schema")
        problems: list[str] = []
        if schema is None and body is not None:
            problems.append(f"status {status} declares no body, got one")
        elif schema is not None and body is None:
            problems.append(f"status {status} declares a body, got none")
        elif schema is not None:
            problems += self.validate(body, schema, operation.file.as_uri())
        return [f"{operation.operation_id} response {status}: {p}" for p in problems]

    def _parameter(self, operation: Operation, parameter: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in parameter:
            resolver = self.registry.resolver(base_uri=operation.file.as_uri())
            return resolver.lookup(parameter["$ref"]).contents
        return parameter

    def validate(self, instance: Any, schema: dict[str, Any], base_uri: str) -> list[str]:
        spec = self

        def discriminator(validator: Any, property_name: str, value: Any, schema: dict) -> Any:
            if not isinstance(value, dict) or property_name not in value:
                return
            for (uri, name), subtypes in spec.subtypes.items():
                if spec.documents[uri].get("definitions", {}).get(name) is schema:
                    sub = subtypes.get(value[property_name])
                    if sub is None:
                        yield jsonschema.ValidationError(
                            f"{property_name}={value[property_name]!r} has no subtype of {name}"
                        )
                        return
                    subschema = copy.copy(spec.documents[uri]["definitions"][sub])
                    subschema["allOf"] = [
                        s
                        for s in subschema.get("allOf", [])
                        if s.get("$ref") != f"#/definitions/{name}"
                    ]
                    # The validator's resolver is in this document already: local refs resolve.
                    yield from validator.evolve(schema=subschema).iter_errors(value)
                    return

        Validator = jsonschema.validators.extend(
            jsonschema.Draft4Validator, {"discriminator": discriminator}
        )
        # `id` (draft 4) anchors the schema's relative references at its own file.
        validator = Validator({"id": base_uri, "allOf": [schema]}, registry=self.registry)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]
