"""``python -m evhub``."""

from evhub.cli import main

main()
