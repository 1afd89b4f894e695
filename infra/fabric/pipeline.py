"""The Data pipeline definition: one Azure ML activity that runs the batch endpoint."""

from __future__ import annotations

from typing import Any

from infra.fabric.outputs import StackOutputs

# What the kit's pipeline names until the connection's ID is known: plainly not an ID, and
# what the sheet tells the reader to replace (or `fabml fabric --ml-connection-id`).
ML_CONNECTION_PLACEHOLDER = "REPLACE-WITH-AZURE-ML-CONNECTION-ID"
ACTIVITY_NAME = "Score with the batch endpoint"
ACTIVITY_TYPE = "AzureMLExecutePipeline"
# No retries: a retry keeps pipeline().RunId, so it would write to the output of the attempt
# it retries, which a batch job refuses (README, "Retries"). Rerun the pipeline instead.
RETRIES = 0
RETRY_INTERVAL_SECONDS = 120
# A batch job on a cold cluster takes minutes to start; give up after two hours rather than hang.
ACTIVITY_TIMEOUT = "0.02:00:00"


def pipeline_content(
    outputs: StackOutputs, ml_connection_id: str | None, ml_execution_type: str
) -> dict[str, Any]:
    return {
        "properties": {
            "description": "Scores the lakehouse's heart data with the Azure ML batch endpoint.",
            "activities": [
                {
                    "name": ACTIVITY_NAME,
                    "type": ACTIVITY_TYPE,
                    "dependsOn": [],
                    "policy": {
                        "timeout": ACTIVITY_TIMEOUT,
                        "retry": RETRIES,
                        "retryIntervalInSeconds": RETRY_INTERVAL_SECONDS,
                        "secureOutput": False,
                        "secureInput": False,
                    },
                    "typeProperties": {
                        "mlExecutionType": ml_execution_type,
                        "mlBatchEndpointName": outputs["batchEndpointName"],
                        "mlBatchDeploymentName": outputs["batchDeploymentName"],
                        "jobInputs": {
                            "input_data": {
                                "JobInputType": "UriFolder",
                                "Uri": outputs["jobInputUri"],
                            }
                        },
                        "jobOutputs": {
                            "output_data": {
                                "JobOutputType": "UriFile",
                                "Uri": {
                                    "value": outputs["jobOutputUriExpression"],
                                    "type": "Expression",
                                },
                            }
                        },
                        "jobSettings": {
                            "MiniBatchSize": outputs["jobMiniBatchSize"],
                            "ComputeInstanceCount": outputs["jobComputeInstanceCount"],
                        },
                    },
                    "externalReferences": {
                        "connection": ml_connection_id or ML_CONNECTION_PLACEHOLDER
                    },
                }
            ],
        }
    }
