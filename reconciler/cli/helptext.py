"""Help output: command lists with whole help lines, and the legend of the plan's symbols."""

from __future__ import annotations

import click


class FullHelpGroup(click.Group):
    """A group whose command list shows each command's whole first help line (click cuts it
    at 45 characters, which left sentences hanging)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, (cmd.help or "").strip().split("\n")[0]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def legend_epilog() -> str:
    """The legend as a --help epilog; `\\b` keeps click from re-wrapping its lines."""
    from ..render import legend  # imported here: the templates cost every command's start-up

    return "\b\nLegend (symbol, state, colour, meaning):\n" + legend()
