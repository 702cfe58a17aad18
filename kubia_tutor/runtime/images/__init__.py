"""The offline image catalog: the book's images, built locally from the host's busybox.

- `resolve(reference)`: the `CatalogImage` a pod's `image:` names (`luksa/kubia:v2`,
  `busybox`, `nginx:alpine`...), or None.
- `build(names=None, progress=None, conf=None)`: build images with `podman build` (skipping
  those already current); `list_images()`, `catalog_status()`: what is built.
- `ensure(reference)`: the local image name for a reference, built first when needed.
- `Podman`: the podman CLI with a containers.conf of the caller's choosing.
"""

from __future__ import annotations

from kubia_tutor.runtime.images.builder import (
    CATALOG_LABEL,
    HASH_LABEL,
    MANAGED_LABEL,
    BuildError,
    ImageStatus,
    Progress,
    build,
    catalog_status,
    ensure,
    list_images,
    remove,
)
from kubia_tutor.runtime.images.catalog import (
    CATALOG,
    DEFAULT_PREFIX,
    CatalogImage,
    Reference,
    image_prefix,
    parse_reference,
    resolve,
)
from kubia_tutor.runtime.images.podman import Podman, PodmanError

__all__ = [
    "CATALOG",
    "CATALOG_LABEL",
    "DEFAULT_PREFIX",
    "HASH_LABEL",
    "MANAGED_LABEL",
    "BuildError",
    "CatalogImage",
    "ImageStatus",
    "Podman",
    "PodmanError",
    "Progress",
    "Reference",
    "build",
    "catalog_status",
    "ensure",
    "image_prefix",
    "list_images",
    "parse_reference",
    "remove",
    "resolve",
]
