"""Build the catalog into local Podman images, offline, from the host's busybox.

Each image is built with `podman build` from a context in a temporary dir: the base
(`busybox:latest`) FROM scratch with busybox, a link per applet and the base files; every other
image FROM the base with its own files. No RUN step, so no container runs during a build and
the whole catalog takes a few seconds. Images are labelled `io.kubia-tutor.managed=true`,
`io.kubia-tutor.catalog=<name>` and `io.kubia-tutor.hash=<content hash>`; an image whose hash
label matches is current and is not built again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kubia_tutor.runtime.images import catalog, recipes
from kubia_tutor.runtime.images.podman import LocalImage, Podman, PodmanConf

MANAGED_LABEL = "io.kubia-tutor.managed"
CATALOG_LABEL = "io.kubia-tutor.catalog"
HASH_LABEL = "io.kubia-tutor.hash"
BUSYBOX_ENV = "KUBIA_TUTOR_BUSYBOX"
FORMAT = "1"    # bump when the way images are put together changes

Progress = Callable[[int, int, str], None]


class BuildError(RuntimeError):
    """An image could not be built."""


@dataclass(frozen=True)
class ImageStatus:
    """A catalog image and its local image: `built` (current), `outdated` or `missing`."""

    name: str
    local_name: str
    state: str
    size: int
    summary: str

    @property
    def built(self) -> bool:
        """Whether the local image exists and is current."""
        return self.state == "built"


def busybox_path(busybox: str | os.PathLike[str] | None = None) -> str:
    """The host busybox to build from: the argument, else $KUBIA_TUTOR_BUSYBOX, else the default."""
    return os.fspath(busybox or os.environ.get(BUSYBOX_ENV) or recipes.DEFAULT_BUSYBOX)


def _parent(name: str) -> str | None:
    return None if recipes.recipe(name).from_scratch else recipes.BASE


def content_hashes(busybox: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Each catalog image's content hash (a child's covers its parent's)."""
    bb = busybox_path(busybox)
    base_seed = json.dumps([FORMAT, recipes.busybox_digest(bb), recipes.applets(bb)])
    hashes: dict[str, str] = {}
    for name in _ordered(catalog.names()):
        parent = _parent(name)
        seed = base_seed if parent is None else hashes[parent]
        text = f"{seed}\n{name}\n{recipes.recipe(name).fingerprint()}"
        hashes[name] = hashlib.sha256(text.encode()).hexdigest()[:32]
    return hashes


def _ordered(names: Iterable[str]) -> list[str]:
    """Names with their parents, parents first, in catalog order."""
    wanted = set()
    for name in names:
        wanted.add(name)
        parent = _parent(name)
        if parent is not None:
            wanted.add(parent)
    return [name for name in catalog.names() if name in wanted]


def _containerfile(name: str, parent_image: str | None) -> str:
    item = recipes.recipe(name)
    lines = [f"FROM {parent_image}" if parent_image else "FROM scratch", "COPY rootfs/ /"]
    for key, value in item.env:
        lines.append(f"ENV {key}={json.dumps(value)}")
    for port in item.expose:
        lines.append(f"EXPOSE {port}")
    if item.entrypoint is not None:
        lines.append(f"ENTRYPOINT {json.dumps(list(item.entrypoint))}")
    if item.cmd is not None:
        lines.append(f"CMD {json.dumps(list(item.cmd))}")
    return "\n".join(lines) + "\n"


def _local_images(podman: Podman) -> dict[str, LocalImage]:
    """The catalog's local images (any prefix) by name."""
    return {local_name: image for image in podman.images(label=f"{MANAGED_LABEL}=true")
            for local_name in image.names}


def catalog_status(conf: PodmanConf = None, prefix: str | None = None,
                   busybox: str | os.PathLike[str] | None = None,
                   podman: Podman | None = None) -> list[ImageStatus]:
    """Every catalog image and the state of its local image."""
    podman = podman or Podman(conf)
    hashes = content_hashes(busybox)
    local = _local_images(podman)
    out: list[ImageStatus] = []
    for item in catalog.CATALOG:
        local_name = item.local_name(prefix)
        found = local.get(local_name)
        if found is None:
            state, size = "missing", 0
        else:
            state = "built" if found.labels.get(HASH_LABEL) == hashes[item.name] else "outdated"
            size = found.size
        out.append(ImageStatus(item.name, local_name, state, size, item.summary))
    return out


def list_images(conf: PodmanConf = None, prefix: str | None = None,
                busybox: str | os.PathLike[str] | None = None) -> list[tuple[str, bool]]:
    """Each catalog image's name and whether it is built (and current)."""
    return [(s.name, s.built) for s in catalog_status(conf, prefix, busybox)]


def plan(names: Iterable[str] | None = None, conf: PodmanConf = None, *,
         prefix: str | None = None, force: bool = False,
         busybox: str | os.PathLike[str] | None = None,
         podman: Podman | None = None) -> list[str]:
    """The catalog names `build` would build for these arguments, in build order."""
    podman = podman or Podman(conf)
    wanted = _wanted(names, prefix)
    hashes = content_hashes(busybox)
    local = _local_images(podman)
    todo: list[str] = []
    for name in _ordered(wanted):
        found = local.get(catalog.get(name).local_name(prefix))
        current = found is not None and found.labels.get(HASH_LABEL) == hashes[name]
        if not current or (force and name in wanted):
            todo.append(name)
    return todo


def build(names: Iterable[str] | None = None, progress: Progress | None = None,
          conf: PodmanConf = None, *, prefix: str | None = None, force: bool = False,
          busybox: str | os.PathLike[str] | None = None) -> list[str]:
    """Build catalog images (all when `names` is None; their base too); return those built.

    Names are catalog names (`kubia:v2`) or anything `resolve` takes (`luksa/kubia:v2`). Images
    already current are skipped unless `force` (which rebuilds the named ones, not their base).
    `progress(done, total, name)` is called with (0, total, "") first, then once per image as
    it is found current or finishes building. Returns the local names of the images built.
    Nameless images of the catalog's (those the new ones replace) are removed, unless a
    container still uses them.
    """
    podman = Podman(conf)
    bb = busybox_path(busybox)
    if not os.access(bb, os.X_OK):
        raise BuildError(f"no busybox at {bb} (install busybox-static)")
    order = _ordered(_wanted(names, prefix))
    todo = plan(names, prefix=prefix, force=force, busybox=bb, podman=podman)
    hashes = content_hashes(bb)
    total = len(order)
    done = 0
    if progress:
        progress(0, total, "")
    for name in order:
        if name not in todo:
            done += 1
            if progress:
                progress(done, total, name)
    built: list[str] = []
    for name in todo:
        local_name = catalog.get(name).local_name(prefix)
        _build_one(podman, name, local_name, hashes[name], prefix, bb)
        built.append(local_name)
        done += 1
        if progress:
            progress(done, total, name)
    if built:
        # the images these replaced are left nameless (so are those of an interrupted build)
        podman.prune_images(f"{MANAGED_LABEL}=true")
    return built


def _wanted(names: Iterable[str] | None, prefix: str | None) -> list[str]:
    if names is None:
        return catalog.names()
    return [_catalog_name(n, prefix) for n in names]


def _catalog_name(name: str, prefix: str | None) -> str:
    try:
        return catalog.get(name).name
    except KeyError:
        found = catalog.resolve(name, prefix)
        if found is None:
            raise BuildError(f"no image {name!r} in the catalog") from None
        return found.name


def _build_one(podman: Podman, name: str, local_name: str, content_hash: str,
               prefix: str | None, busybox: str) -> None:
    parent = _parent(name)
    parent_image = catalog.get(parent).local_name(prefix) if parent else None
    labels = {MANAGED_LABEL: "true", CATALOG_LABEL: name, HASH_LABEL: content_hash}
    with tempfile.TemporaryDirectory(prefix="kubia-tutor-image-") as context:
        recipes.write_rootfs(recipes.recipe(name), Path(context) / "rootfs", busybox)
        (Path(context) / "Containerfile").write_text(_containerfile(name, parent_image))
        try:
            podman.build(context, local_name, labels)
        except RuntimeError as exc:
            raise BuildError(f"building {name}: {exc}") from exc


def ensure(reference: str, conf: PodmanConf = None, *, prefix: str | None = None,
           progress: Progress | None = None,
           busybox: str | os.PathLike[str] | None = None) -> str | None:
    """The local image for a pod's `image:` (built first when needed), or None if unknown."""
    found = catalog.resolve(reference, prefix)
    if found is None:
        return None
    build([found.name], progress=progress, conf=conf, prefix=prefix, busybox=busybox)
    return found.local_name(prefix)


def remove(names: Iterable[str] | None = None, conf: PodmanConf = None, *,
           prefix: str | None = None) -> None:
    """Remove catalog images (all when `names` is None), children before the base."""
    wanted = _wanted(names, prefix)
    local = [catalog.get(n).local_name(prefix) for n in reversed(_ordered(wanted))
             if n in wanted]
    Podman(conf).remove_images(*local)

