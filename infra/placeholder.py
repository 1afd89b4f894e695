"""Placeholders: what the offline plan shows where it cannot know a value yet.

There are two kinds, and every reader (settings, plan, kit, policies) tells them apart here:

- a setting the stack file does not hold yet (a Fabric identity, a sandbox's expiry): the user
  must set it before deploying, and a deployment refuses the stand-in;
- a value Azure assigns when the resource is created (a principal ID, the subscription): it is
  known after deploy, and nothing needs doing.

A leaf module of plain values: no Pulumi, no pydantic, so the policy pack may import it.
"""

from __future__ import annotations

import enum
import re


class Kind(enum.Enum):
    SETTING = "placeholder: set it in the stack config before deploying"
    AFTER_DEPLOY = "known after deploy"

    @property
    def label(self) -> str:
        """How an output table or the Fabric sheet marks such a value."""
        return f"({self.value})"


# A missing identity becomes the all-zero GUID, which Entra ID never issues; a missing expiry
# a date no real stack has. Both still pass validation, so the offline plan can run.
UNSET_GUID = "00000000-0000-0000-0000-000000000000"
UNSET_DATE = "1970-01-01"
_UNSET = frozenset({UNSET_GUID, UNSET_DATE})

# A `secure:` value in a stack file: the offline plan cannot decrypt it (only the stack's secrets
# provider can), so it stands in for it, opaque, and checks only that it is there. Not JSON,
# not `<...>`: no reader mistakes it for a structured value or an Azure-assigned one.
SECRET = "(secret)"

# Azure-assigned values read `<what>`: no real ID, URL or name holds angle brackets.
_AFTER_DEPLOY = re.compile(r"<[^<>\s]+>")


def after_deploy(what: str) -> str:
    """The stand-in for a value Azure assigns, e.g. `<compute-identity.principalId>`."""
    return f"<{what}>"


# The subscription the offline plan names things for when the stack file sets none
# (`azure-native:subscriptionId`): names made from it are not the ones a deployment gets.
SUBSCRIPTION = after_deploy("subscriptionId")


def is_unset(value: object) -> bool:
    """The value is the stand-in for a setting the stack file lacks."""
    return isinstance(value, str) and value in _UNSET


def is_after_deploy(value: object) -> bool:
    """The whole value is a stand-in for what Azure assigns (what the policies treat as unknown)."""
    return isinstance(value, str) and _AFTER_DEPLOY.fullmatch(value) is not None


def kind_of(value: object) -> Kind | None:
    """Which placeholder a value is or holds (an ARM ID may embed `<subscriptionId>`), if any."""
    if is_unset(value):
        return Kind.SETTING
    if isinstance(value, str) and _AFTER_DEPLOY.search(value):
        return Kind.AFTER_DEPLOY
    return None
