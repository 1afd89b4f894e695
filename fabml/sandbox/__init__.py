"""Short-lived sandbox stacks: create from the template, list, destroy, reap, purge."""
