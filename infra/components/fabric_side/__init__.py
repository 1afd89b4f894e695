"""The Fabric side, created through the Fabric REST API when `fabml:fabric.enabled` is true:

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
