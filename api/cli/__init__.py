"""The ``registry`` command line (API.md, Command line): one module per group of commands, each opening the registry
through the composition root (``api.bootstrap``); ``parser`` holds the arguments and ``main``, the console script."""

from api.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
