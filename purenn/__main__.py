"""Run the purenn command line: ``python -m purenn --help``."""
import sys

from purenn.cli import main

if __name__ == "__main__":
    sys.exit(main())
