"""The site commands: build, serve and new (registered into the CLI in cli.py)."""

from __future__ import annotations

import argparse
import sys

from .problems import ContentError


def cmd_build(args: argparse.Namespace) -> int:
    from .builder import Builder, terminal_progress

    builder = Builder(args.content, args.templates, args.theme, args.output, progress=terminal_progress())
    try:
        result = builder.build()
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"build: failed with {len(exc.problems)} problem(s); {args.output}/ was left as it was", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    print(result.summary())
    return 0


def register(sub, site_args) -> None:
    p = sub.add_parser("build", help="build the site into output/ (the default command)")
    site_args(p)
    p.set_defaults(func=cmd_build)
    from .serve import register as register_serve

    register_serve(sub, site_args)
