"""The Fabric side: the connection kit, request bodies, the REST client and its resources."""
