"""What a describer may look up besides the object itself: time, events and related objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass
class DescribeContext:
    """Lookups injected by the caller, so describers stay pure functions of their inputs.

    `events(obj)` returns the events whose involvedObject is `obj`, in any order (kubectl
    matches name, namespace, kind and uid; for pods it leaves out the kind, and for nodes it
    also takes events whose uid is the node's name, which is what kubelets write).
    `list_objects(kind, ns)` lists objects of a kind, all namespaces when `ns` is None, in the
    store's order; `get_object(kind, ns, name)` fetches one object or returns None. `now` is
    the clock ages are measured against; `show_events=False` is `--show-events=false`.
    """

    now: datetime
    events: Callable[[dict], list[dict]]  # events whose involvedObject is this object
    list_objects: Callable[[str, str | None], list[dict]]  # (kind, namespace or None) -> objects
    get_object: Callable[[str, str | None, str], dict | None]  # (kind, namespace, name)
    show_events: bool = True
