"""CrossGuard entry point: `pulumi preview --policy-pack policies --policy-pack-config ...`."""

from policies.pack import build_pack

build_pack()
