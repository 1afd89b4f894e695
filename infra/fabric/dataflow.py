"""The Dataflow Gen2 M function that scores a table with a Fabric ML model endpoint.

Unlike the published how-to's function (a new token and one request per row), it asks Entra
for one token per refresh, sends rows in batches in the score API's dataframe format, retries
429 and 503 after Retry-After (or an exponential wait), and reads the client secret from a
Dataflow parameter, so the secret never appears in the query text.
"""

from __future__ import annotations

from infra.fabric.outputs import StackOutputs

DEFAULT_BATCH_SIZE = 500

FUNCTION = """// ScoreWithFabricModel: score a table with a Microsoft Fabric ML model endpoint.
// One token per refresh; rows sent in batches; 429/503 retried after Retry-After.
let
    ScoreWithFabricModel = (
        source as table,
        workspaceId as text,
        modelId as text,
        tenantId as text,
        clientId as text,
        clientSecret as text,
        optional batchSize as nullable number,
        optional maxAttempts as nullable number
    ) as table =>
        let
            rowsPerRequest = if batchSize = null then %(batch)d else batchSize,
            attempts = if maxAttempts = null then 5 else maxAttempts,
            // Fetched once and shared by every batch of this refresh.
            token = Json.Document(
                Web.Contents(
                    "https://login.microsoftonline.com/",
                    [
                        RelativePath = tenantId & "/oauth2/v2.0/token",
                        Headers = [#"Content-Type" = "application/x-www-form-urlencoded"],
                        Content = Text.ToBinary(
                            Uri.BuildQueryString(
                                [
                                    client_id = clientId,
                                    client_secret = clientSecret,
                                    scope = "https://api.fabric.microsoft.com/.default",
                                    grant_type = "client_credentials"
                                ]
                            )
                        )
                    ]
                )
            )[access_token],
            columns = Table.ColumnNames(source),
            batches = List.Split(Table.ToRows(source), rowsPerRequest),
            ScoreBatch = (batch as list, attempt as number) as list =>
                let
                    response = Web.Contents(
                        "https://api.fabric.microsoft.com/",
                        [
                            RelativePath = "v1/workspaces/" & workspaceId & "/mlModels/" & modelId
                                & "/endpoint/score",
                            Headers = [
                                Authorization = "Bearer " & token,
                                #"Content-Type" = "application/json",
                                // Differs per attempt so a retry is never served from cache.
                                #"x-ms-client-attempt" = Number.ToText(attempt)
                            ],
                            Content = Json.FromValue(
                                [formatType = "dataframe", orientation = "values", inputs = batch]
                            ),
                            ManualStatusHandling = {400, 401, 403, 404, 429, 500, 503}
                        ]
                    ),
                    status = Value.Metadata(response)[Response.Status],
                    headers = Value.Metadata(response)[Headers],
                    wait = Number.From(
                        Record.FieldOrDefault(
                            headers, "Retry-After", Number.ToText(Number.Power(2, attempt))
                        )
                    ),
                    result =
                        if status = 200 then
                            List.Transform(Json.Document(response)[predictions], each _{0})
                        else if (status = 429 or status = 503) and attempt < attempts then
                            Function.InvokeAfter(
                                () => @ScoreBatch(batch, attempt + 1), #duration(0, 0, 0, wait)
                            )
                        else
                            error Error.Record(
                                "FabricModelEndpoint",
                                "Scoring failed with HTTP " & Number.ToText(status),
                                Text.FromBinary(response)
                            )
                in
                    result,
            predictions = List.Combine(List.Transform(batches, each ScoreBatch(_, 1))),
            scored = Table.FromColumns(
                Table.ToColumns(source) & {predictions}, columns & {"prediction"}
            )
        in
            scored
in
    ScoreWithFabricModel
"""

INVOCATION = """// Apply ScoreWithFabricModel to a query. Create the Dataflow parameters
// FabricWorkspaceId, FabricModelId and ClientSecret (type Text) first:
// the secret stays out of the query text.
let
    Scored = ScoreWithFabricModel(
        HeartData,
        FabricWorkspaceId,
        FabricModelId,
        "%(tenant)s",
        "%(client)s",
        ClientSecret,
        %(batch)d
    )
in
    Scored
"""


def score_function(batch_size: int = DEFAULT_BATCH_SIZE) -> str:
    return FUNCTION % {"batch": batch_size}


def invocation(outputs: StackOutputs, batch_size: int = DEFAULT_BATCH_SIZE) -> str:
    return INVOCATION % {
        "tenant": outputs["tenantId"],
        "client": outputs["servicePrincipalClientId"],
        "batch": batch_size,
    }
