"""The `lstmcls` command: click commands over the Python API, one module per group of commands."""

from lstmcls.cli.app import main

__all__ = ["main"]
