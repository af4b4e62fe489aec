"""`python -m xlpy` runs the command line."""

from xlpy.cli import main

main()
