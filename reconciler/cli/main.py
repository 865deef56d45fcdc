"""The `acorn` entry point: the one place where errors become messages and exit codes."""

from __future__ import annotations

import importlib
import os
import sys

import click

from .. import __version__
from ..domain.tokens import LWA_TOKEN
from ..errors import AcornError, DesiredStateError
from .helptext import FullHelpGroup
from .workspace import annotations

# command name -> module under reconciler.cli that defines `command`; imported on use.
COMMANDS = {
    "validate": "validate",
    "plan": "plan",
    "apply": "apply",
    "drift": "drift",
    "sandbox": "sandbox",
    "status": "status",
    "import": "importer",
    "merge-plans": "merge_plans",
    "init": "init",
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
    """Run acorn; exit 0/1 (2 only for "changes", from the commands that say so)."""
    try:
        code = cli.main(args=argv, prog_name="acorn", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.ClickException as exc:  # usage errors exit 1, so that 2 always means "changes"
        exc.show()
        code = 1
    except DesiredStateError as exc:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            click.echo(annotations(exc.problems, "error"))
        click.echo(str(exc), err=True)  # `path:line:col: key: message` lines, as compilers print them
        code = exc.exit_code
    except AcornError as exc:
        click.echo(f"error: {exc}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except Exception as exc:  # a bug, not the user's doing: one line, the traceback on request
        if os.environ.get("ACORN_DEBUG") == "1":
            raise
        message = LWA_TOKEN.sub("<secret>", str(exc).splitlines()[0] if str(exc) else "")
        click.echo(f"error: internal error ({type(exc).__name__}: {message}); this is a bug in acorn, "
                   "please report it (ACORN_DEBUG=1 shows the traceback)", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
