"""The Dataflow Gen2 route: M that scores a table with a Fabric ML model endpoint.

Everything is generated from the one request description (`infra.fabric.score_request`), so the
M and `fabml score-endpoint` send the same path, column order, format, orientation and batch
size. What the M does to survive Power Query's rules:

- The formula firewall rejects a query that references another query and also reaches a data
  source. The `Scored` query therefore holds the source read, the token request and the score
  calls itself; the only query it references is the `ClientSecret` parameter, a plain value
  that reaches no source.
- One fixed base URL per host with `RelativePath` (a URL built at run time is a dynamic data
  source, which refresh in the service rejects); the operation id of a 202 is read from its
  `Location` and requested under the same fixed base.
- The score API is a long-running operation: 200 with the predictions, or 202 with `Location`
  (`/v1/operations/{id}`) and `Retry-After`; the state is polled (bounded) and the predictions
  read from `/v1/operations/{id}/result`.
- `ManualStatusHandling` lists only codes a query may handle (not 401/403, which only custom
  connectors may); 429 and 5xx are retried after Retry-After, a bounded number of times, with
  `IsRetry = true` so Power Query's response cache is bypassed; every poll after the first is
  a retry too.
- Columns are picked from the source by name in the model's signature order (read from the
  committed MLmodel when this is generated) and converted to the signature's types; a missing
  column fails with an error naming it. The output keeps the source's columns and their types
  and adds a typed prediction column.
- One token request per refresh (a let-bound value outside the batch loop), then
  ceil(N / batch size) score POSTs plus the polls of any 202.

The secret: Microsoft's how-to requires a service principal for this call, so the M needs its
client secret. It reads it from the `ClientSecret` Dataflow parameter, and that is NOT hidden:
a parameter is a query in `mashup.pq` (`meta [IsParameterQuery = true]`), its value is returned
by `GET /workspaces/{id}/dataflows/{id}/parameters` as `defaultValue` and by `getDefinition`,
and anyone with edit rights on the Dataflow can read it. fabml therefore never writes the secret
into a definition: it creates the parameter empty (a redeploy carries over the value a person
set, in process), and the README says who can read it once set.
"""

# The M template keeps whole M expressions on one line where splitting them would obscure them.
# ruff: noqa: E501

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from infra.fabric import score_request as sr
from infra.fabric.score_request import ScoreRequest
from infra.project import REPO_ROOT

SAMPLE_CSV = REPO_ROOT / "data" / "heart-unlabeled-0.csv"
SAMPLE_ROWS = 3
TOKEN_BASE = "https://login.microsoftonline.com/"
FABRIC_SCOPE = "https://api.fabric.microsoft.com/.default"
SECRET_PARAMETER = "ClientSecret"
SCORED_QUERY = "Scored"
FUNCTION_NAME = "ScoreWithFabricModel"


def _m_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _m_list(items: list[str]) -> str:
    return "{" + ", ".join(items) + "}"


def score_function(request: ScoreRequest) -> str:
    """The scoring function as an M expression (a function value)."""
    names = _m_list([_m_text(n) for n in request.names])
    types = _m_list([f"{{{_m_text(c.name)}, {sr.M_TYPES[c.type]}}}" for c in request.columns])
    score_path = request.m_relative_path(workspace_id="workspaceId", model_id="modelId")
    handled = _m_list([str(s) for s in sr.HANDLED_STATUSES])
    retried = _m_list([str(s) for s in sr.RETRIED_STATUSES])
    return f"""(
    source as table,
    workspaceId as text,
    modelId as text,
    tenantId as text,
    clientId as text,
    clientSecret as text
) as table =>
    let
        batchSize = {request.batch_size},
        maxAttempts = {sr.MAX_ATTEMPTS},
        maxPolls = {sr.MAX_POLLS},
        // The model's input signature (from its MLmodel): rows are sent by name, in this order.
        inputColumns = {names},
        inputTypes = {types},
        missing = List.Difference(inputColumns, Table.ColumnNames(source)),
        // Buffered: the rows sent and the rows the predictions are joined back to are the
        // same rows in the same order, however the source orders a second read.
        checked =
            if List.IsEmpty(missing) then
                Table.Buffer(source)
            else
                error Error.Record(
                    "FabricModelEndpoint.MissingColumns",
                    "The source lacks the model's input column(s): " & Text.Combine(missing, ", "),
                    [Expected = inputColumns, Found = Table.ColumnNames(source)]
                ),
        inputs = Table.ToRows(
            Table.TransformColumnTypes(Table.SelectColumns(checked, inputColumns), inputTypes)
        ),
        // One token request per refresh: a let-bound value, outside the batch loop.
        token = Json.Document(
            Web.Contents(
                {_m_text(TOKEN_BASE)},
                [
                    RelativePath = tenantId & "/oauth2/v2.0/token",
                    Headers = [#"Content-Type" = "application/x-www-form-urlencoded"],
                    Content = Text.ToBinary(
                        Uri.BuildQueryString(
                            [
                                client_id = clientId,
                                client_secret = clientSecret,
                                scope = {_m_text(FABRIC_SCOPE)},
                                grant_type = "client_credentials"
                            ]
                        )
                    )
                ]
            )
        )[access_token],
        RetryAfter = (headers as record, default as number) as number =>
            let
                given = Record.FieldOrDefault(headers, "Retry-After", null),
                seconds = if given = null then default else Number.From(given)
            in
                List.Min({{120, List.Max({{0, seconds}})}}),
        // One call under the fixed base URL; 429 and 5xx retried (IsRetry skips the cache).
        Call = (relativePath as text, content as nullable binary, isRetry as logical, attempt as number) as record =>
            let
                options = [
                    RelativePath = relativePath,
                    Headers = [Authorization = "Bearer " & token, #"Content-Type" = "application/json"],
                    ManualStatusHandling = {handled},
                    IsRetry = isRetry or attempt > 1
                ],
                response = Web.Contents(
                    {_m_text(sr.API_BASE)},
                    if content = null then options else options & [Content = content]
                ),
                body = Binary.Buffer(response),
                status = Value.Metadata(response)[Response.Status],
                headers = Value.Metadata(response)[Headers],
                reply =
                    if List.Contains({retried}, status) and attempt < maxAttempts then
                        Function.InvokeAfter(
                            () => @Call(relativePath, content, isRetry, attempt + 1),
                            #duration(0, 0, 0, RetryAfter(headers, Number.Power(2, attempt)))
                        )
                    else
                        [Status = status, Headers = headers, Body = body]
            in
                reply,
        Fail = (what as text, reply as record) =>
            error Error.Record(
                "FabricModelEndpoint",
                what & " answered HTTP " & Number.ToText(reply[Status]),
                Text.FromBinary(reply[Body])
            ),
        Predictions = (what as text, reply as record) as list =>
            if reply[Status] = 200 then
                List.Transform(Json.Document(reply[Body])[predictions], each _{{0}})
            else
                Fail(what, reply),
        // 202: poll /v1/operations/{{id}} (Retry-After, bounded), then read its /result.
        Poll = (operation as text, poll as number, wait as number) as list =>
            let
                statePath = {_m_text(sr.OPERATIONS_PATH)} & operation,
                reply = Function.InvokeAfter(
                    () => Call(statePath, null, poll > 1, 1), #duration(0, 0, 0, wait)
                ),
                state = if reply[Status] = 200 then Json.Document(reply[Body])[status] else Fail(statePath, reply),
                result =
                    if state = "Succeeded" then
                        Predictions(statePath & "/result", Call(statePath & "/result", null, false, 1))
                    else if state = "Failed" or state = "Cancelled" then
                        error Error.Record(
                            "FabricModelEndpoint", "Scoring operation " & operation & " " & state, reply[Body]
                        )
                    else if poll < maxPolls then
                        @Poll(operation, poll + 1, RetryAfter(reply[Headers], 5))
                    else
                        error Error.Record(
                            "FabricModelEndpoint",
                            "Scoring operation " & operation & " not done after " & Number.ToText(maxPolls) & " polls"
                        )
            in
                result,
        scorePath = {score_path},
        ScoreBatch = (batch as list) as list =>
            let
                reply = Call(
                    scorePath,
                    Json.FromValue([formatType = {_m_text(sr.FORMAT_TYPE)}, orientation = {_m_text(sr.ORIENTATION)}, inputs = batch]),
                    false,
                    1
                ),
                predictions =
                    if reply[Status] = 202 then
                        Poll(
                            Text.AfterDelimiter(Record.Field(reply[Headers], "Location"), "/operations/"),
                            1,
                            RetryAfter(reply[Headers], 5)
                        )
                    else
                        Predictions("POST " & scorePath, reply),
                counted =
                    if List.Count(predictions) = List.Count(batch) then
                        predictions
                    else
                        error Error.Record(
                            "FabricModelEndpoint",
                            "Expected " & Number.ToText(List.Count(batch)) & " predictions, got "
                                & Number.ToText(List.Count(predictions))
                        )
            in
                counted,
        // Buffered: every batch is sent once, in order.
        predictions = List.Buffer(List.Combine(List.Transform(List.Split(inputs, batchSize), ScoreBatch))),
        // The source's column types, plus a typed prediction column.
        resultType = Value.Type(
            Table.AddColumn(Table.FirstN(checked, 0), {_m_text(sr.PREDICTION_COLUMN)}, each null, {sr.M_TYPES[request.output_type]})
        ),
        scored = Table.FromColumns(Table.ToColumns(checked) & {{predictions}}, resultType)
    in
        scored"""


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def function_document(request: ScoreRequest) -> str:
    """The function alone, for people who paste it into a blank query by hand."""
    return (
        f"// {FUNCTION_NAME}: score a table with a Microsoft Fabric ML model endpoint.\n"
        "// Invoke it in the same query that reads your data (the formula firewall rejects\n"
        "// a query that combines another query's data source with these web calls).\n"
        f"let\n    {FUNCTION_NAME} =\n{_indent(score_function(request), 8)}\n"
        f"in\n    {FUNCTION_NAME}\n"
    )


def sample_source(request: ScoreRequest, csv_path: Path = SAMPLE_CSV) -> str:
    """A few rows of the committed unlabeled data as a typed M table (no data source)."""
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for _, row in zip(range(SAMPLE_ROWS), reader, strict=False)]
    # In a type expression the primitive types go without the `type` keyword.
    columns = ", ".join(
        f"#{_m_text(c.name)} = {sr.M_TYPES[c.type].removeprefix('type ')}" for c in request.columns
    )
    values = [
        _m_list(
            [
                _m_text(row[c.name])
                if c.type == "string"
                else str(sr.PY_TYPES[c.type](row[c.name]))
                for c in request.columns
            ]
        )
        for row in rows
    ]
    return f"#table(type table [{columns}], {_m_list(values)})"


@dataclass(frozen=True)
class Target:
    """Where the Dataflow sends its calls: values from the stack, none of them secret."""

    workspace_id: str
    model_id: str
    tenant_id: str
    client_id: str


def scored_query(request: ScoreRequest, target: Target) -> str:
    return f"""// Scored: paste as a blank query; create a Text parameter named {SECRET_PARAMETER} first.
let
    // Source, token request and score calls stay in this one query: the formula firewall
    // rejects a query that references another query and also reaches a data source. To score
    // your own data, replace Source with its read (e.g. Lakehouse.Contents) here, in this query.
    Source = {sample_source(request)},
    {FUNCTION_NAME} =
{_indent(score_function(request), 8)},
    Scored = {FUNCTION_NAME}(
        Source,
        {_m_text(target.workspace_id)},
        {_m_text(target.model_id)},
        {_m_text(target.tenant_id)},
        {_m_text(target.client_id)},
        {SECRET_PARAMETER}
    )
in
    Scored"""
