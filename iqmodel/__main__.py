"""``python -m iqmodel``: the command line."""

import sys

from iqmodel.cli import main

sys.exit(main())
