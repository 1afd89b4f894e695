"""`python -m fabml`: the same as the `fabml` command."""

import sys

from fabml.cli.main import main

sys.exit(main())
