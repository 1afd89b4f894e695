"""The heart-classifier MLflow model: its files uploaded and registered in the workspace.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
