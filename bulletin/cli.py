"""Command line: `bulletin build | check | serve | new | schema | diff` (also `python build.py …`)."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from . import __version__, diff, returns, scaffold, serve
from .messages import N_, Printer, cli_text, editor_language, gettext_for, set_cli_language


def _project_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help=N_("content directory (default: content)"))


def _site_args(parser: argparse.ArgumentParser) -> None:
    _project_args(parser)
    parser.add_argument("--templates", type=Path, default=None, help=N_("templates directory (default: templates, else the built-in one)"))
    parser.add_argument("--theme", type=Path, default=None, help=N_("theme directory (default: theme, else the built-in one)"))
    parser.add_argument("--output", type=Path, default=Path("output"), help=N_("output directory (default: output)"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("BULLETIN_CACHE") or ".cache"),
                        help=N_("cache directory for drawn charts, report PDFs and the search index (default: .cache, or BULLETIN_CACHE)"))


# The templates and theme that come with bulletin (beside the package in a checkout or an
# editable install). A project without its own folders uses these, as MkDocs and Pelican
# use their built-in themes: `bulletin new bulletin DIR` writes only content/.
BUILT_IN = Path(__file__).resolve().parent.parent


def resolve_site_dirs(args: argparse.Namespace, say: Printer) -> bool:
    """Fill in --templates and --theme: the folder given, else ./templates and ./theme, else the
    built-in ones. A folder given that does not exist is refused before anything is built (a
    build without the theme would publish pages without their style sheet). True when usable."""
    ok = True
    for name in ("templates", "theme"):
        given, built_in = getattr(args, name), BUILT_IN / name
        if given is None:
            given = Path(name) if Path(name).is_dir() or not built_in.is_dir() else built_in
            setattr(args, name, given)
        if given.is_dir():
            continue
        ok = False
        if built_in.is_dir():
            print(say(N_("%(path)s: no such folder for --%(what)s; give the right folder, or leave --%(what)s out "
                         "to use the built-in one", path=given, what=name)), file=sys.stderr)
        else:
            print(say(N_("%(path)s: no such folder; copy the %(what)s/ folder of the bulletin repository beside "
                         "content/, or give its place with --%(what)s", path=given, what=name)), file=sys.stderr)
    return ok


def _lang_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", help=N_("language of the messages, e.g. zh or en (default: the bulletin's default language)"))


def printer(args: argparse.Namespace) -> Printer:
    """Messages in `--lang`, else the bulletin's default language."""
    return Printer(editor_language(getattr(args, "lang", None), getattr(args, "content", None)))


def cmd_check(args: argparse.Namespace) -> int:
    from .advice import full_check
    from .status import assess, count_by_status

    say = printer(args)
    result = full_check(args.content)
    for problem in result.problems:
        print(problem.annotation(say.gettext) if args.format == "github" else say.problem(problem))
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    if result.content is not None:
        c = result.content
        targets = [t for ms in c.measures.values() for t in ms.targets]
        entries = sum(len(t.progress) for t in targets)
        if result.translations.total:
            print(say(N_("translations: ")) + say(N_("; ")).join(say(line) for line in result.translations.lines(c.bulletin.languages)))
        counts = ""
        if not errors:
            by_status = count_by_status(assess(c))
            counts = say(N_("; statuses: ")) + say(N_(", ")).join(f"{_status_word(s, say)} {n}" for s, n in by_status.items())
        print(say(N_("check: %(programmes)d programmes, %(measures)d measures, %(targets)d targets, %(entries)d progress entries",
                     programmes=len(c.programmes), measures=len(c.measures), targets=len(targets), entries=entries))
              + counts + say(N_("; %(errors)d errors, %(warnings)d warnings", errors=errors, warnings=warnings)))
    else:
        print(say(N_("check: content could not be read; %(errors)d errors, %(warnings)d warnings", errors=errors, warnings=warnings)))
    return 1 if errors else 0


def _status_word(status, say: Printer) -> str:
    """The status code in English output (scripts read it); the status's name in other languages."""
    if say.gettext is None:
        return status.value
    from .palette import status_label

    return status_label(status, say)


def cmd_build(args: argparse.Namespace) -> int:
    from .builder import Builder, failure_lines, terminal_progress
    from .problems import BuildFailure

    say = printer(args)
    builder = Builder(args.content, args.templates, args.theme, args.output, cache=args.cache, progress=terminal_progress(gettext=say.gettext),
                      workers=args.jobs)
    try:
        result = builder.build()
    except BuildFailure as exc:  # content, templates, clashing paths: say where, never a traceback
        for line in failure_lines(exc, say.gettext):
            print(line, file=sys.stderr)
        print(say(N_("build: failed; %(output)s/ was left as it was", output=args.output)), file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(say.problem(warning), file=sys.stderr)
    print(result.summary(say.gettext))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import write_schemas

    say = printer(args)
    directory = args.content / "schema"
    changed = write_schemas(directory, check_only=args.check)
    if args.check and changed:
        for path in changed:
            print(say(N_("%(path)s: out of date; run `bulletin schema` to regenerate it", path=path)))
        return 1
    print(say(N_("schema: %(n)d file(s) written in %(directory)s", n=len(changed), directory=directory)) if not args.check
          else say(N_("schema: up to date")))
    return 0


class _HelpFormatter(argparse.HelpFormatter):
    """Help in the command line's language: help texts are msgids (see messages.py)."""

    def _get_help_string(self, action):
        return cli_text(action.help) if action.help else action.help

    def add_text(self, text):
        super().add_text(cli_text(text) if text and text is not argparse.SUPPRESS else text)


class _Parser(argparse.ArgumentParser):
    """Sub-commands are made with the parser's own class, so they share the translated help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _argparse_msgids() -> None:  # never called: argparse's own messages, listed for `pybabel extract`
    N_("usage: ")
    N_("positional arguments")
    N_("options")
    N_("show this help message and exit")
    N_("show program's version number and exit")
    N_("the following arguments are required: %s")
    N_("invalid choice: %(value)r (choose from %(choices)s)")
    N_("unrecognized arguments: %s")
    N_("%(prog)s: error: %(message)s\n")
    N_("argument %(argument_name)s: %(message)s")
    N_("expected one argument")
    N_("expected at least one argument")
    N_("invalid %(type)s value: %(value)r")
    N_("ambiguous option: %(option)s could match %(matches)s")


def _early_language(argv: list[str]) -> str | None:
    """The messages' language before parsing: `--lang X` / `--lang=X`, else as editor_language finds it."""
    lang, content = None, Path("content")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
        elif arg == "--content" and i + 1 < len(argv):
            content = Path(argv[i + 1])
        elif arg.startswith("--content="):
            content = Path(arg.split("=", 1)[1])
    return editor_language(lang, content)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bulletin", description=N_("Static site generator for public progress bulletins."))
    parser.add_argument("--version", action="version", version=f"bulletin {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("check", help=N_("validate the content and print every problem"))
    _project_args(p)
    _lang_args(p)
    p.add_argument("--format", choices=["text", "github"], default="github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text",
                   help=N_("github: print problems as workflow annotations (default on GitHub Actions)"))
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("schema", help=N_("write the JSON Schemas of the content format into content/schema/"))
    _project_args(p)
    _lang_args(p)
    p.add_argument("--check", action="store_true", help=N_("only report schemas that are out of date"))
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("build", help=N_("build the site into output/ (the default command)"))
    _site_args(p)
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help=N_("processes rendering charts (default: $BULLETIN_JOBS, else every core)"))
    _lang_args(p)
    p.set_defaults(func=cmd_build)

    serve.register(sub, _site_args)
    scaffold.register(sub, _project_args, _lang_args)
    returns.register(sub, _project_args, _lang_args)
    diff.register(sub, _project_args)
    return parser


_ARGPARSE_GETTEXT = argparse._


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "build")  # `python build.py` builds
    gettext = gettext_for(_early_language(argv))
    set_cli_language(gettext)
    # argparse looks its own messages (usage, section titles, errors) up in this module global,
    # some while the parser is built: set it first.
    argparse._ = gettext or _ARGPARSE_GETTEXT
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .writer import OutputRefused

    if hasattr(args, "templates") and not resolve_site_dirs(args, printer(args)):
        return 1
    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl+C: a word, not a traceback (a build writes output/ whole or not at all)
        left = ("output/ 保持原样。", " output/ was left as it was.") if args.command == "build" else ("", "")
        print(f"\n{args.command}: 已中断。{left[0]}\n{args.command}: interrupted.{left[1]}", file=sys.stderr)
        return 130
    except OutputRefused as exc:  # the output folder is not the build's to replace: say why, touch nothing
        print(f"build: {exc.zh}\nbuild: {exc.en}", file=sys.stderr)
        return 1
    except OSError as exc:  # the file system, not the code: name the file and what to do, never a traceback
        where = exc.filename or ""
        print(f"{where}: {exc.strerror or exc}" if where else f"error: {exc}", file=sys.stderr)
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            print(f"{args.command}: 磁盘已满（或超出配额）；output/ 保持原样。请清理磁盘空间（例如删除 .cache/ 中的旧文件）后重试。\n"
                  f"{args.command}: the disk is full (or over quota); output/ was left as it was. Free some space "
                  "(e.g. old files in .cache/), then try again", file=sys.stderr)
            return 1
        print(f"{args.command}: 无法读取或写入上面的文件；请检查它是否存在、权限是否正确、磁盘是否已满，然后重试。\n"
              f"{args.command}: a file could not be read or written (above); check that it exists, its permissions "
              "and the free disk space, then try again", file=sys.stderr)
        return 1
