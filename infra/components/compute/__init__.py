"""Batch compute: a cluster that runs as a user-assigned identity allowed to mount the data lake.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
