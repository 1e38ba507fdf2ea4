"""``python -m diagnostics`` and the zipapp entry point."""

import sys

from diagnostics.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
