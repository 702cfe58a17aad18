"""What a describer may look up besides the object itself: time, events and related objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass
class DescribeContext:
    """Lookups injected by the caller, so describers stay pure functions of their inputs.

    `events(obj)` returns the events whose involvedObject is `obj`; `list_objects(kind, ns)`
    lists objects of a kind (all namespaces when `ns` is None); `get_object(kind, ns, name)`
    fetches one object or returns None. `now` makes ages deterministic in tests.
    """

    now: datetime
    events: Callable[[dict], list[dict]]  # events whose involvedObject is this object
    list_objects: Callable[[str, str | None], list[dict]]  # (kind, namespace or None) -> objects
    get_object: Callable[[str, str | None, str], dict | None]  # (kind, namespace, name)
    show_events: bool = True
