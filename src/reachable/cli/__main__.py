"""`python -m reachable.cli` runs the CLI."""

from reachable.cli.main import main

main()
