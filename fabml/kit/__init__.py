"""The Fabric kit: the connection sheet and infra/fabric's item definitions, written to disk."""
