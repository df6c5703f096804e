"""`python -m venues.republish --from …`: publish venues's stored events again after the broker lost
its log (see docs/operations.md)."""

import sys

from leisure_runtime.republish import main

if __name__ == "__main__":
    sys.exit(main("venues"))
