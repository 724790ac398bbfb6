"""``python -m bots.cli ...`` runs the ``alumni`` command line (same as the installed script)."""
import sys

from .main import main

sys.exit(main())
