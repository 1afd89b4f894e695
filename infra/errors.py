"""The base of every error that is the user's to fix: printed as one message, no traceback."""


class UserError(Exception):
    """Bad input (a setting, a file, a response): `fabml` prints it and exits with status 2."""


class ServiceError(Exception):
    """A service (Azure, Fabric) still failed after its retries: `fabml` exits with status 3."""
