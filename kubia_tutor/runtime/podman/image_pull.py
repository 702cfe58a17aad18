"""Making a pod's image present on Podman: the offline catalog first, a registry only if asked.

Design note. Catalog images (the book's, built locally from busybox) are built on first use
and remembered per reference; any other image is pulled only when pulls are allowed and its
registry answers, and otherwise fails with an `ImagePullError` worded like the kubelet's
(`rpc error: code = Unknown desc = ...`) that names the images the catalog offers, so the pod
shows ImagePullBackOff with an event that says what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kubia_tutor.runtime import images
from kubia_tutor.runtime.cri import ImagePullError, PullResult
from kubia_tutor.runtime.images import builder, catalog
from kubia_tutor.runtime.podman import labels, network
from kubia_tutor.runtime.podman.config import conf_file

if TYPE_CHECKING:
    from podman import PodmanClient

Obj = dict[str, Any]
ApiCall = Callable[..., Any]


def catalog_names() -> str:
    """The catalog's images by the names the book uses."""
    shown = []
    for item in catalog.CATALOG:
        book = [r for r in item.references if r.startswith("luksa/")]
        shown.append(book[0] if book else item.references[0])
    return ", ".join(shown)


class PodmanImages:
    """Image presence for one runtime; `api` is the runtime's libpod call helper."""

    def __init__(self, client: PodmanClient, api: ApiCall, state_dir: str, *,
                 image_prefix: str | None, allow_pull: bool) -> None:
        self.client = client
        self._api = api
        self.state_dir = state_dir
        self.image_prefix = image_prefix
        self.allow_pull = allow_pull
        self._images: dict[str, tuple[str, str]] = {}  # reference -> (local name, image id)

    def forget(self, image: str) -> None:
        """Drop what is known of an image (it was removed behind the tutor's back)."""
        self._images.pop(image, None)

    def ensure(self, image: str, policy: str) -> PullResult:
        found = catalog.resolve(image, self.image_prefix)
        if found is None:
            return self._pull_foreign(image)
        cached = self._images.get(image)
        if cached is not None:
            # The catalog is this cluster's registry: an image it built in this daemon's life
            # is current, so an Always pull only confirms the digest, as a registry would.
            return PullResult(cached[0], cached[1], pulled=policy == "Always")
        local = found.local_name(self.image_prefix)
        if policy == "Never":
            present = self._api("get", f"/images/{local}/json", ok404=True)
            if present is None:
                raise ImagePullError(f'Container image "{image}" is not present with pull'
                                     " policy of Never")
            self._images[image] = (local, labels.image_id(str(present.get("Id", ""))))
            return PullResult(local, self._images[image][1], pulled=False)
        started = time.monotonic()
        try:
            built = builder.build([found.name], conf=conf_file(self.state_dir),
                                  prefix=self.image_prefix)
        except (builder.BuildError, images.PodmanError) as exc:
            raise ImagePullError(f"rpc error: code = Unknown desc = building {image} from the"
                                 f" kubia-tutor catalog: {exc}") from exc
        seconds = time.monotonic() - started
        data = self._api("get", f"/images/{local}/json")
        image_id = labels.image_id(str(data.get("Id", "")))
        self._images[image] = (local, image_id)
        pulled = local in built
        return PullResult(local, image_id, pulled=pulled, seconds=seconds if pulled else 0.0)

    def _pull_foreign(self, image: str) -> PullResult:
        parsed = catalog.parse_reference(image)
        if parsed is None:
            raise ImagePullError(f'Failed to apply default image tag "{image}": couldn\'t parse'
                                 f' image reference "{image}": invalid reference format')
        if self.allow_pull and network.registry_answers(parsed.repository.split("/", 1)[0]):
            started = time.monotonic()
            response = self.client.api.post("/images/pull", params={
                "reference": str(parsed), "quiet": "true"}, timeout=600)
            if response.ok:
                data = self._api("get", f"/images/{parsed}/json")
                return PullResult(str(parsed), labels.image_id(str(data.get("Id", ""))),
                                  pulled=True, seconds=time.monotonic() - started)
            raise ImagePullError(f"rpc error: code = Unknown desc = {network.message(response)}")
        raise ImagePullError(
            f"rpc error: code = Unknown desc = initializing source docker://{parsed}:"
            f" kubia-tutor is offline and pulls no images from registries, and {image!r} is"
            f" not in its image catalog. Images available: {catalog_names()}")
