"""`fabml`: the tool beside the Pulumi program (plan, policy check, Fabric kit, scoring, sandboxes).

It imports `infra`; `infra` never imports it.
"""
