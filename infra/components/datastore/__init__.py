"""The Azure ML datastore over the shared container: the name Fabric's pipeline URIs use.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
