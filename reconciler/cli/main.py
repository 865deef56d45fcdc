"""The `acorn` entry point: the one place where errors become messages and exit codes."""

from __future__ import annotations

import importlib
import os
import re
import sys
import traceback
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import click

from .. import __version__
from ..client.redact import Redactor
from ..desired.safefile import write_text
from ..domain import safetext
from ..domain.gcpause import before_exit, tune_for_the_process
from ..errors import AcornError, DesiredStateError, MachineError
from .guarded_output import GuardedStream
from .helptext import FullHelpGroup
from .workspace import problem_annotations

# command name -> module under reconciler.cli that defines `command`; imported on use.
COMMANDS = {
    "validate": "validate",
    "plan": "plan",
    "check": "check",
    "apply": "apply",
    "drift": "drift",
    "sandbox": "sandbox",
    "status": "status",
    "import": "importer",
    "merge-plans": "merge_plans",
    "init": "init",
    "github": "github",
}


class LazyGroup(FullHelpGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"reconciler.cli.{COMMANDS[name]}").command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120})
@click.version_option(__version__, prog_name="acorn")
def cli() -> None:
    """acorn: declarative Amazon marketplace onboarding, reviewed in git.

    validate checks the desired tree, plan shows what would change, apply submits the
    missing registrations; every command works offline against the embedded sandbox.
    """


def main(argv: list[str] | None = None) -> None:
    """Run acorn; exit 0/1 (2 only for "changes", from the commands that say so; 3 for a bug).

    For the length of the command, stdout and stderr pass through the sanitiser's last net
    (guarded_output.GuardedStream): whatever a command prints, no stray escape reaches the terminal."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GuardedStream(out), GuardedStream(err)  # type: ignore[assignment,unused-ignore]  # a TextIO in all but name
    try:
        code = _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err
    sys.exit(code)


def console() -> None:
    """The process's entry (the `acorn` script, `python -m reconciler`): main() on its command
    line, the collector tuned for a run and the heap left out of the exit's last collection
    (domain/gcpause.py). In-process callers (tests) call main() itself."""
    tune_for_the_process()
    try:
        main()
    finally:
        before_exit()


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="acorn", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.ClickException as exc:  # usage errors exit 1, so that 2 always means "changes"
        _show_click_error(exc)
        code = 1
    except DesiredStateError as exc:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            click.echo(problem_annotations(exc.problems, "error"))
        click.echo(safetext.block(exc), err=True)  # `path:line:col: key: message` lines, as compilers print them
        code = exc.exit_code
    except AcornError as exc:  # messages may quote a server or a file: printed through the sanitiser
        click.echo(f"error: {safetext.block(exc)}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except Exception as exc:  # a bug, not the user's doing: one line, the traceback in a crash file
        if os.environ.get("ACORN_DEBUG") == "1":
            raise
        redactor = crash_redactor(os.environ)
        message = safetext.line(redactor.text(str(exc).splitlines()[0] if str(exc) else ""))
        saved = write_crash_file(crash_folder(argv if argv is not None else sys.argv[1:]), redactor)
        where = f"the traceback is in {saved}" if saved else "ACORN_DEBUG=1 shows the traceback"
        click.echo(f"error: internal error ({type(exc).__name__}: {message}); this is a bug in acorn, "
                   f"please report it ({where})", err=True)
        code = INTERNAL_ERROR
    return code if isinstance(code, int) else 0


def _show_click_error(exc: click.ClickException) -> None:
    """A usage error as click shows it (the usage line, where to find help), but with the one error
    prefix every acorn error has: `error: …`, never click's `Error: …`."""
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        if ctx.command.get_help_option(ctx) is not None:
            longest = max(ctx.command.get_help_option_names(ctx), key=len)
            click.echo(f"Try '{ctx.command_path} {longest}' for help.\n", err=True)
    click.echo(f"error: {safetext.block(exc.format_message())}", err=True)


INTERNAL_ERROR = 3  # a bug in acorn: never 1 (the user's error) nor 2 (changes)
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|CREDENTIAL|_KEY$", re.IGNORECASE)


def crash_redactor(env: Mapping[str, str]) -> Redactor:
    """The run's redactor for a crash: every environment value whose name says it is a secret,
    and (always) anything shaped like an LWA token."""
    redactor = Redactor()
    redactor.add(*(v for k, v in env.items() if _SECRET_NAME.search(k)))
    return redactor


def crash_folder(argv: list[str]) -> Path:
    """.acorn/ of the repository the command works on (beside --desired), else of the current folder."""
    desired = "desired"
    for i, arg in enumerate(argv):
        if arg == "--desired" and i + 1 < len(argv):
            desired = argv[i + 1]
        elif arg.startswith("--desired="):
            desired = arg.partition("=")[2]
    return Path(desired).resolve().parent / ".acorn"


def write_crash_file(folder: Path, redactor: Redactor) -> Path | None:
    """The current exception's traceback, redacted, in folder/crash-<time>.txt; None if it cannot be."""
    text = redactor.text(traceback.format_exc())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"crash-{stamp}.txt"
    try:
        write_text(path, f"acorn {__version__} crashed (exit {INTERNAL_ERROR}); argv and environment "
                         f"are not recorded.\n\n{text}")
    except MachineError:
        return None
    return path
