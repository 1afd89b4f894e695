"""The batch endpoint, its no-code MLflow deployment, and that deployment as the default.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
