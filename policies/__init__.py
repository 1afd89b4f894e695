"""The fabml policy pack: security, cost and Fabric-compatibility guardrails.

Rules are plain functions (policies/rules/) that two runners share: the CrossGuard pack
(`pulumi preview --policy-pack policies`, built in policies/pack.py) and the offline runner
(fabml/plan/policy_check.py, used by `fabml plan` and `fabml policy check`).
"""
