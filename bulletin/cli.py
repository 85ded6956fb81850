"""Command line: `bulletin build | check | serve | new | schema` (also `python build.py …`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__, scaffold, serve


def _project_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help="content directory (default: content)")


def _site_args(parser: argparse.ArgumentParser) -> None:
    _project_args(parser)
    parser.add_argument("--templates", type=Path, default=Path("templates"), help="templates directory (default: templates)")
    parser.add_argument("--theme", type=Path, default=Path("theme"), help="theme directory (default: theme)")
    parser.add_argument("--output", type=Path, default=Path("output"), help="output directory (default: output)")


def cmd_check(args: argparse.Namespace) -> int:
    from .advice import full_check
    from .status import assess, count_by_status

    result = full_check(args.content)
    for problem in result.problems:
        print(problem.annotation() if args.format == "github" else problem)
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    if result.content is not None:
        c = result.content
        targets = [t for ms in c.measures.values() for t in ms.targets]
        entries = sum(len(t.progress) for t in targets)
        if result.translations.total:
            print("translations: " + "; ".join(result.translations.lines(c.bulletin.languages)))
        counts = ""
        if not errors:
            by_status = count_by_status(assess(c))
            counts = "; statuses: " + ", ".join(f"{s.value} {n}" for s, n in by_status.items())
        print(f"check: {len(c.programmes)} programmes, {len(c.measures)} measures, {len(targets)} targets, "
              f"{entries} progress entries{counts}; {errors} errors, {warnings} warnings")
    else:
        print(f"check: content could not be read; {errors} errors, {warnings} warnings")
    return 1 if errors else 0


def cmd_build(args: argparse.Namespace) -> int:
    from .builder import Builder, failure_lines, terminal_progress
    from .problems import BuildFailure

    builder = Builder(args.content, args.templates, args.theme, args.output, progress=terminal_progress())
    try:
        result = builder.build()
    except BuildFailure as exc:  # content, templates, clashing paths: say where, never a traceback
        for line in failure_lines(exc):
            print(line, file=sys.stderr)
        print(f"build: failed; {args.output}/ was left as it was", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    print(result.summary())
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import write_schemas

    directory = args.content / "schema"
    changed = write_schemas(directory, check_only=args.check)
    if args.check and changed:
        for path in changed:
            print(f"{path}: out of date; run `python build.py schema` to regenerate it")
        return 1
    print(f"schema: {len(changed)} file(s) written in {directory}" if not args.check else "schema: up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bulletin", description="Static site generator for public progress bulletins.")
    parser.add_argument("--version", action="version", version=f"bulletin {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("check", help="validate the content and print every problem")
    _project_args(p)
    p.add_argument("--format", choices=["text", "github"], default="github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text",
                   help="github: print problems as workflow annotations (default on GitHub Actions)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help="write the JSON Schemas of the content format into content/schema/")
    _project_args(p)
    p.add_argument("--check", action="store_true", help="only report schemas that are out of date")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("build", help="build the site into output/ (the default command)")
    _site_args(p)
    p.set_defaults(func=cmd_build)

    serve.register(sub, _site_args)
    scaffold.register(sub, _project_args)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "build")  # `python build.py` builds
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .writer import OutputRefused

    try:
        return args.func(args)
    except OutputRefused as exc:  # the output folder is not the build's to replace: say why, touch nothing
        print(f"build: {exc.zh}\nbuild: {exc.en}", file=sys.stderr)
        return 1
    except OSError as exc:  # the file system, not the code: name the file and what to do, never a traceback
        where = exc.filename or ""
        print(f"{where}: {exc.strerror or exc}" if where else f"error: {exc}", file=sys.stderr)
        print(f"{args.command}: 无法读取或写入上面的文件；请检查它是否存在、权限是否正确、磁盘是否已满，然后重试。\n"
              f"{args.command}: a file could not be read or written (above); check that it exists, its permissions "
              "and the free disk space, then try again", file=sys.stderr)
        return 1
