#!/usr/bin/env python3
"""Build the bulletin site: `python build.py [build|check|serve|new|schema] …` (see README.md)."""

from bulletin.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
