"""What Fabric's service principal may do: invoke the batch endpoint and reach the data.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
