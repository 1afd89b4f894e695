"""The ADLS Gen2 account Fabric and Azure ML share, its scoring container and its firewall.

`config.py` holds its settings model (pydantic, no Pulumi import, so the tool can
validate settings without loading the SDK); `component.py` its ComponentResource.
"""
