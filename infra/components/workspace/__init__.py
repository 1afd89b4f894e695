"""The Azure ML workspace and what it needs: its own storage, Key Vault, logs and monitoring.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
