"""Go's duration text, which kubelet messages use."""

from __future__ import annotations


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String(), which the kubelet's "Successfully pulled" event uses:
    `0s`, `850ns`, `35.2µs`, `512.3ms`, `6.412s`, `1m30.5s`, `1h0m0s`."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_decimal(ns, 1_000)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_decimal(ns, 1_000_000)}ms"
    hours, rest = divmod(ns, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return f"{sign}{text}{_decimal(rest, 1_000_000_000)}s"


def _decimal(value: int, unit: int) -> str:
    """`value / unit` with as many decimals as needed and no trailing zeros."""
    whole, frac = divmod(value, unit)
    digits = str(frac).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)
