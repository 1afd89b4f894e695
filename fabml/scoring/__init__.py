"""Batch scoring you can trust: a local rehearsal of the deployment, and a live smoke test."""
