"""`python -m lstmcls` is the `lstmcls` command."""

from lstmcls.cli import main

main(prog_name="lstmcls")
