"""The Data pipeline definition: one Azure ML activity that runs the batch endpoint."""

from __future__ import annotations

from typing import Any

from infra.fabric.outputs import StackOutputs

ML_CONNECTION_PLACEHOLDER = "<Fabric connection ID of the Azure ML workspace>"


def pipeline_content(
    outputs: StackOutputs, ml_connection_id: str | None, ml_execution_type: str
) -> dict[str, Any]:
    return {
        "properties": {
            "description": "Scores the lakehouse's heart data with the Azure ML batch endpoint.",
            "activities": [
                {
                    "name": "Score with the batch endpoint",
                    "type": "AzureMLExecutePipeline",
                    "dependsOn": [],
                    # A batch job on a cold cluster takes minutes to start; retry once for a
                    # lost node, and give up after two hours rather than hang.
                    "policy": {
                        "timeout": "0.02:00:00",
                        "retry": 1,
                        "retryIntervalInSeconds": 120,
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
