"""`kubia-tutor images list|build`: show and build the offline image catalog.

`main(argv)` takes the arguments after `images`; `kubia_tutor.cli` hands them over, and
`python -m kubia_tutor.runtime.images` runs it on its own.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from kubia_tutor.runtime.images import builder, catalog
from kubia_tutor.runtime.images.podman import PodmanError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kubia-tutor images",
        description="The book's images, built locally from the host's busybox (no registry).")
    parser.add_argument("--containers-conf", metavar="FILE", default=None,
                        help="containers.conf for podman (default: $KUBIA_TUTOR_CONTAINERS_CONF, "
                             "else podman's own configuration)")
    parser.add_argument("--prefix", default=None,
                        help=f"local image prefix (default: {catalog.DEFAULT_PREFIX})")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="the catalog, the names the book uses, and what is built")
    build = sub.add_parser("build", help="build the catalog (or some images of it)")
    build.add_argument("names", nargs="*", metavar="IMAGE",
                       help="catalog or book names (luksa/kubia:v2); default: all")
    build.add_argument("--force", action="store_true", help="rebuild images already current")
    return parser


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size else "-"


def list_catalog(conf: str | None, prefix: str | None, out: TextIO) -> int:
    """Print the catalog as a table."""
    rows = [("IMAGE", "STATUS", "SIZE", "BOOK NAMES")]
    for status in builder.catalog_status(conf, prefix):
        item = catalog.get(status.name)
        names = ", ".join(item.references)
        if item.families:
            names += ", other tags"
        rows.append((status.name, status.state, _size(status.size), names))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        out.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
                  + "  " + row[3] + "\n")
    return 0


def build_catalog(names: list[str] | None, conf: str | None, prefix: str | None, force: bool,
                  out: TextIO) -> int:
    """Build images, with a line per image as it is done."""
    started = last = time.monotonic()
    wanted = set(builder.plan(names, conf, prefix=prefix, force=force))

    def progress(done: int, total: int, name: str) -> None:
        nonlocal last
        now = time.monotonic()
        if done == 0:
            current = total - len(wanted)
            out.write(f"Building {len(wanted)} of {total} images from {builder.busybox_path()}"
                      f"{f' ({current} up to date)' if current else ''}...\n"
                      if wanted else "")
        elif name in wanted:
            out.write(f"[{done:>{len(str(total))}}/{total}] {name} ({now - last:.1f} s)\n")
        out.flush()
        last = now

    built = builder.build(names, progress, conf, prefix=prefix, force=force)
    elapsed = time.monotonic() - started
    if built:
        out.write(f"Built {len(built)} image{'s' if len(built) != 1 else ''} "
                  f"in {elapsed:.1f} s.\n")
    else:
        out.write("All images are up to date.\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run `kubia-tutor images ARGV...`; return the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.action == "list":
            return list_catalog(args.containers_conf, args.prefix, sys.stdout)
        return build_catalog(args.names or None, args.containers_conf, args.prefix, args.force,
                             sys.stderr)
    except (builder.BuildError, PodmanError) as exc:
        print(f"kubia-tutor images: {exc}", file=sys.stderr)
        return 1
