"""python -m infra.bench: the records bench (infra/bench/records.py); its options in --help."""

import sys

from infra.bench.records import main

if __name__ == "__main__":
    sys.exit(main())
