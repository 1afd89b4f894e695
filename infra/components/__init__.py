"""One ComponentResource per concern, each beside its pydantic config model; a component takes
its config, the shared context and the components it depends on."""
