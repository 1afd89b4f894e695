"""One module per `fabml` subcommand; each has `register(commands)` and does its work lazily."""
