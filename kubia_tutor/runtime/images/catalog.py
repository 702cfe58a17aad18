"""The offline image catalog: the images the book uses, and the names that resolve to them.

Each `CatalogImage` is built locally (see `build`) as `<prefix>/<name>`, e.g.
`localhost/kubia-tutor/kubia:v2`. Pod specs name images as the book does (`luksa/kubia`,
`luksa/kubia:v2`, `taodaling/kubia`, `tutum/dnsutils`, `busybox`, `nginx:alpine`,
`docker.io/luksa/kubia:latest`...): `resolve` normalizes such a Docker reference (default tag
`latest`, registry `docker.io`, `library/` for official images) and finds its catalog image, or
None when the catalog has no such image (which a runtime reports as a failed pull, as a typo
such as `nginx:1.91` should be).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

DEFAULT_PREFIX = "localhost/kubia-tutor"
PREFIX_ENV = "KUBIA_TUTOR_IMAGE_PREFIX"

_NAME_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DOMAIN = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]+)?|\[[0-9A-Fa-f:]+\](?::[0-9]+)?")


@dataclass(frozen=True)
class Reference:
    """A normalized Docker image reference: `docker.io/luksa/kubia` and `v2`."""

    repository: str
    tag: str

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"


def parse_reference(reference: str) -> Reference | None:
    """Normalize a Docker reference; None when it is not a valid tagged reference.

    `kubia` -> docker.io/library/kubia:latest, `luksa/kubia:v2` -> docker.io/luksa/kubia:v2,
    `index.docker.io/x` -> docker.io/library/x:latest. References by digest give None: the
    catalog has no digests.
    """
    text = reference.strip()
    if not text or "@" in text or any(c.isspace() for c in text):
        return None
    name, tag = text, "latest"
    last = text.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = text.rsplit(":", 1)
        if not _TAG.fullmatch(tag):
            return None
    parts = name.split("/")
    domain = "docker.io"
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        domain = parts.pop(0)
        if not _DOMAIN.fullmatch(domain):
            return None
    if not parts or not all(_NAME_COMPONENT.fullmatch(p) for p in parts):
        return None
    if domain in ("index.docker.io", "registry-1.docker.io"):
        domain = "docker.io"
    if domain == "docker.io" and len(parts) == 1:
        parts.insert(0, "library")
    return Reference(f"{domain}/{'/'.join(parts)}", tag)


@dataclass(frozen=True)
class CatalogImage:
    """One image of the catalog.

    `name` is its local `repository:tag` under the prefix; `references` are the names the book
    writes for it (exact, tag included or `latest` implied); every tag of a repository in
    `families` that matches `tag_pattern` resolves to it too (nginx:1.7.9, busybox:1.36...).
    """

    name: str
    summary: str
    references: tuple[str, ...]
    families: tuple[str, ...] = ()
    tag_pattern: str = ""

    @property
    def repository(self) -> str:
        """`kubia` of `kubia:v2`."""
        return self.name.rsplit(":", 1)[0]

    @property
    def tag(self) -> str:
        """`v2` of `kubia:v2`."""
        return self.name.rsplit(":", 1)[1]

    def local_name(self, prefix: str | None = None) -> str:
        """The local image: `localhost/kubia-tutor/kubia:v2` with the default prefix."""
        return f"{image_prefix(prefix)}/{self.name}"


def image_prefix(prefix: str | None = None) -> str:
    """The prefix of local images: the argument, else $KUBIA_TUTOR_IMAGE_PREFIX, else default."""
    return (prefix or os.environ.get(PREFIX_ENV) or DEFAULT_PREFIX).rstrip("/")


def _book(*names: str) -> tuple[str, ...]:
    """The names as written, with a `taodaling/` twin for each `luksa/` one (the seed's own)."""
    out: list[str] = []
    for name in names:
        out.append(name)
        if name.startswith("luksa/"):
            out.append("taodaling/" + name.removeprefix("luksa/"))
    return tuple(out)


def _app(name: str, summary: str, *more: str) -> CatalogImage:
    """An image of the book's own (`luksa/REPO:TAG`), also under its plain name."""
    repository, tag = name.split(":")
    tagged = "" if tag == "latest" else f":{tag}"
    return CatalogImage(name, summary,
                        _book(f"{repository}{tagged}", f"luksa/{repository}{tagged}", *more))


_NGINX_TAGS = (r"(?:latest|stable|mainline|alpine|"
               r"(?:1\.(?:[0-9]|1[0-9]|2[0-7])(?:\.[0-9]{1,2})?|stable|mainline)"
               r"(?:-alpine|-perl|-alpine-perl|-alpine-slim)?)")
_BUSYBOX_TAGS = (r"(?:latest|stable|musl|glibc|uclibc|"
                 r"1(?:\.[0-9]{1,2}){1,2}(?:-(?:musl|glibc|uclibc))?)")

CATALOG: tuple[CatalogImage, ...] = (
    CatalogImage("busybox:latest", "busybox (with a curl): sh, nc, wget, nslookup, httpd...",
                 ("busybox",), families=("busybox",), tag_pattern=_BUSYBOX_TAGS),
    _app("kubia:latest", "HTTP on 8080: \"You've hit <hostname>\"",
         "kubia:v1", "luksa/kubia:v1", "taodaling/app"),
    _app("kubia:v2", "\"This is v2 running in pod <hostname>\""),
    _app("kubia:v3", "\"This is v3 running in pod <hostname>\", HTTP 500 from the 5th request"),
    _app("kubia:v4", "\"This is v4 running in pod <hostname>\""),
    _app("kubia-unhealthy:latest", "kubia answering HTTP 500 from the 6th request on"),
    _app("kubia-pet:latest", "POST stores data in /var/data, GET shows it"),
    _app("kubia-pet-peers:latest", "kubia-pet listing every peer's data (DNS SRV)"),
    _app("fortune:latest", "a new fortune in /var/htdocs/index.html every 10 s"),
    _app("fortune:env", "fortune every $INTERVAL seconds"),
    _app("fortune:args", "fortune every <first argument> seconds"),
    _app("batch-job:latest", "prints a start line, sleeps 120 s, prints a finish line"),
    _app("ssd-monitor:latest", "prints \"SSD OK\" every 5 s"),
    CatalogImage("dnsutils:latest", "nslookup and dig", ("tutum/dnsutils", "dnsutils")),
    CatalogImage("coredns:1.7.0", "kube-system's cluster DNS pod: health and readiness of"
                 " the node's DNS server", ("k8s.gcr.io/coredns:1.7.0", "coredns/coredns:1.7.0")),
    CatalogImage("nginx:latest", "nginx stand-in: HTTP on 80 serving /usr/share/nginx/html",
                 ("nginx", "nginx:alpine"), families=("nginx",), tag_pattern=_NGINX_TAGS),
)

_BY_NAME: dict[str, CatalogImage] = {image.name: image for image in CATALOG}


def _index() -> dict[Reference, CatalogImage]:
    index: dict[Reference, CatalogImage] = {}
    for image in CATALOG:
        for written in image.references:
            parsed = parse_reference(written)
            if parsed is None:
                raise ValueError(f"bad reference {written!r} in the catalog")
            index[parsed] = image
    return index


def _family_index() -> dict[str, CatalogImage]:
    index: dict[str, CatalogImage] = {}
    for image in CATALOG:
        for family in image.families:
            parsed = parse_reference(family)
            if parsed is None:
                raise ValueError(f"bad repository {family!r} in the catalog")
            index[parsed.repository] = image
    return index


_INDEX = _index()
_FAMILIES = _family_index()


def names() -> list[str]:
    """Every catalog image's name, base first."""
    return [image.name for image in CATALOG]


def get(name: str) -> CatalogImage:
    """The catalog image named `name` (`kubia:v2`; `kubia` means `kubia:latest`)."""
    key = name if ":" in name else f"{name}:latest"
    try:
        return _BY_NAME[key]
    except KeyError:
        raise KeyError(f"no image {name!r} in the catalog") from None


def resolve(reference: str, prefix: str | None = None) -> CatalogImage | None:
    """The catalog image a pod's `image:` names, or None when the catalog has none.

    Local names (`localhost/kubia-tutor/kubia:v2`, under `prefix`) resolve too.
    """
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    found = _INDEX.get(parsed)
    if found is not None:
        return found
    local = f"{image_prefix(prefix)}/"
    if parsed.repository.startswith(local):
        return _BY_NAME.get(f"{parsed.repository.removeprefix(local)}:{parsed.tag}")
    family = _FAMILIES.get(parsed.repository)
    if family is not None and re.fullmatch(family.tag_pattern, parsed.tag):
        return family
    return None
