"""`kubectl explain TYPE[.field.path]`."""

from __future__ import annotations

from kubia_tutor.shell import explain as explainer
from kubia_tutor.shell.command import Command, Context
from kubia_tutor.shell.errors import CommandError
from kubia_tutor.shell.flags import Flag, Parsed
from kubia_tutor.shell.resources import resource_type


def run(ctx: Context, parsed: Parsed) -> int:
    """Explain a type or one of its fields from the API's schema descriptions."""
    if len(parsed.args) != 1:
        raise CommandError("You must specify the type of resource to explain. Use \"kubectl "
                           "api-resources\" for a complete list of supported resources.\n",
                           usage=True)
    head, *path = parsed.args[0].split(".")
    rt = resource_type(head)
    text = explainer.explain(rt, path, recursive=bool(parsed["recursive"]),
                             api_version=parsed["api-version"] or None)
    ctx.out.write(text)
    return 0


COMMAND = Command("explain", "Documentation of resources",
                  [Flag("recursive", kind="bool", default=False), Flag("api-version")], run)
