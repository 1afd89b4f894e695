"""The URIs a Fabric pipeline gives the batch endpoint: one definition for outputs and the kit."""

from __future__ import annotations

import re


def job_input_uri(datastore: str, folder: str) -> str:
    # `azureml://datastores/<ds>/paths/<folder>`: the published how-to omits `/paths/`.
    return f"azureml://datastores/{datastore}/paths/{folder.strip('/')}"


def job_output_uri_expression(datastore: str, folder: str, file_name: str) -> str:
    """A Fabric pipeline expression giving each run its own output file.

    Batch jobs refuse to overwrite an existing output, so the run ID makes the path unique.
    The how-to's version nests `@`, leaves a parenthesis open and drops the `/` separators.
    """
    base = f"azureml://datastores/{datastore}/paths/{folder.strip('/')}/"
    return f"@concat('{base}', pipeline().RunId, '/{file_name}')"


_OUTPUT = re.compile(
    r"^@concat\('azureml://datastores/[^/']+/paths/(?P<folder>[^']*)/', pipeline\(\)\.RunId, "
    r"'/(?P<file>[^'/]+)'\)$"
)


def output_location(expression: str) -> tuple[str, str]:
    """The folder (under the datastore's container) and file name of an output expression from
    `job_output_uri_expression`: where a run's output lands, `<folder>/<run ID>/<file>`."""
    match = _OUTPUT.match(expression)
    if match is None:
        raise ValueError(f"not an output expression of this project: {expression}")
    return match["folder"], match["file"]
