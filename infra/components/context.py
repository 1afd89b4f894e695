"""What every component shares: where resources go, how they are named, tagged and protected."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.naming import Names


@dataclass(frozen=True)
class StackContext:
    resource_group_name: pulumi.Output[str]
    resource_group_id: pulumi.Output[str]
    location: str
    tags: dict[str, str]
    names: Names
    subscription_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    protect_stateful: bool

    def child(
        self, parent: pulumi.Resource, *, stateful: bool = False, **kwargs
    ) -> pulumi.ResourceOptions:
        """Options for a component's child; stateful children are protected where data is kept."""
        protect = self.protect_stateful if stateful else None
        return pulumi.ResourceOptions(parent=parent, protect=protect, **kwargs)

    def role_definition_id(self, role_guid: str) -> pulumi.Output[str]:
        return self.subscription_id.apply(
            lambda sub: (
                f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"
            )
        )
