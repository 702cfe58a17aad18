"""Kubernetes resource quantities (`100m`, `1Gi`, `2e3`): exact parsing, arithmetic, canonical form.

A quantity is an exact rational number plus the notation it was written in. The API server
keeps that notation when it re-prints a value, but normalises the number: `1024Mi` comes back
as `1Gi`, `0.5` as `500m`, `1000` as `1k`. `str(q)` reproduces that canonical form.

kubectl's client-side spelling (`create quota --hard`, `run --limits`) is a second parser,
`kubia_tutor.shell.generators.quantity`: it keeps an already canonical value exactly as typed,
checks Go's int64 limits and reports apimachinery's separate numeric and suffix errors, none
of which the server side needs.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from fractions import Fraction
from functools import total_ordering

__all__ = [
    "Format",
    "Quantity",
    "QuantityError",
    "add",
    "canonical",
    "compare",
    "cpu_millis",
    "memory_bytes",
    "parse_quantity",
]


class Format(Enum):
    """The notation a quantity keeps when printed."""

    DECIMAL_SI = "DecimalSI"  # 100m, 5k, 500M
    BINARY_SI = "BinarySI"  # 128Ki, 1Gi
    DECIMAL_EXPONENT = "DecimalExponent"  # 2e3, 1E-3


class QuantityError(ValueError):
    """Raised for text that is not a quantity; str() is the API server's wording."""


FORMAT_WRONG = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_WRONG = "unable to parse quantity's suffix"

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12,
                     "P": 15, "E": 18}
_DECIMAL_BY_EXPONENT = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_BY_POWER = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")

# Sign, integer digits, optional fraction, then whatever follows (the suffix).
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)", re.DOTALL)
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")
# Anything the server's own pattern admits as a suffix; other text is a format error.
_SUFFIX_SHAPE = re.compile(r"[eEinumkKMGTP]*[-+]?[0-9]*")

_NANO = Fraction(1, 10**9)
# Binary quantities are capped at the largest int64, like the server's int64 fast path.
_BINARY_MAX = Fraction(2**63 - 1)


@total_ordering
class Quantity:
    """An exact quantity. Equality and ordering compare the value, never the notation."""

    __slots__ = ("_format", "_value")

    def __init__(self, value: int | Fraction = 0, fmt: Format = Format.DECIMAL_SI) -> None:
        self._value = Fraction(value)
        self._format = fmt

    @classmethod
    def parse(cls, text: str | int | float | Quantity) -> Quantity:
        """Parse a quantity as the API server does; raise QuantityError when it is malformed.

        JSON numbers (`cpu: 1`) are accepted as well as strings.
        """
        if isinstance(text, Quantity):
            return text
        if isinstance(text, bool):
            raise QuantityError(FORMAT_WRONG)
        if isinstance(text, int):
            return cls(text, Format.DECIMAL_SI)
        if isinstance(text, float):
            if not math.isfinite(text):
                raise QuantityError(FORMAT_WRONG)
            text = repr(text)
        return _parse_text(text.strip())

    @property
    def value(self) -> Fraction:
        """The exact value."""
        return self._value

    @property
    def format(self) -> Format:
        """The notation used when printing."""
        return self._format

    def is_zero(self) -> bool:
        """True for any spelling of zero."""
        return self._value == 0

    def milli_value(self) -> int:
        """The value in thousandths, rounded up (1 CPU = 1000)."""
        return math.ceil(self._value * 1000)

    def int_value(self) -> int:
        """The value as a whole number, rounded up (bytes for memory)."""
        return math.ceil(self._value)

    def canonical(self) -> str:
        """The canonical text the API server prints for this quantity."""
        return _canonical(self._value, self._format)

    def __str__(self) -> str:
        return self.canonical()

    def __repr__(self) -> str:
        return f"Quantity({self.canonical()!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self._value == other._value
        if isinstance(other, int):
            return self._value == other
        return NotImplemented

    def __lt__(self, other: Quantity | int) -> bool:
        if isinstance(other, Quantity):
            return self._value < other._value
        if isinstance(other, int):
            return self._value < other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    def __add__(self, other: Quantity | int) -> Quantity:
        if isinstance(other, int):
            other = Quantity(other)
        if not isinstance(other, Quantity):
            return NotImplemented
        # The left operand's notation wins, unless it is zero: then the sum looks like the
        # right operand (so summing requests from 0 keeps e.g. the Mi notation).
        fmt = other._format if self.is_zero() else self._format
        return Quantity(self._value + other._value, fmt)

    def __radd__(self, other: int) -> Quantity:
        # Lets the built-in sum() start from 0.
        if isinstance(other, int):
            return Quantity(other) + self
        return NotImplemented

    def __sub__(self, other: Quantity | int) -> Quantity:
        if isinstance(other, int):
            other = Quantity(other)
        if not isinstance(other, Quantity):
            return NotImplemented
        fmt = other._format if self.is_zero() else self._format
        return Quantity(self._value - other._value, fmt)

    def __neg__(self) -> Quantity:
        return Quantity(-self._value, self._format)


def _parse_text(text: str) -> Quantity:
    if text == "":
        raise QuantityError(FORMAT_WRONG)
    match = _NUMBER.fullmatch(text)
    if match is None:  # pragma: no cover - the pattern matches every string
        raise QuantityError(FORMAT_WRONG)
    sign, whole, fraction, suffix = match.groups()
    fraction = fraction or ""
    if whole == "" and fraction == "":
        raise QuantityError(FORMAT_WRONG)
    if not _SUFFIX_SHAPE.fullmatch(suffix):
        raise QuantityError(FORMAT_WRONG)

    digits = Fraction(int(whole + fraction or "0"), 10 ** len(fraction))
    if suffix in _DECIMAL_SUFFIXES:
        fmt = Format.DECIMAL_SI
        magnitude = digits * Fraction(10) ** _DECIMAL_SUFFIXES[suffix]
    elif suffix in _BINARY_SUFFIXES:
        fmt = Format.BINARY_SI
        magnitude = digits * 2 ** _BINARY_SUFFIXES[suffix]
    else:
        exp = _EXPONENT.fullmatch(suffix)
        if exp is None:
            raise QuantityError(SUFFIX_WRONG)
        fmt = Format.DECIMAL_EXPONENT
        magnitude = digits * Fraction(10) ** int(exp.group(1))

    # Anything finer than a nano-unit is rounded up, so a tiny non-zero request stays non-zero.
    magnitude = _round_up_to_nano(magnitude)
    if fmt is Format.BINARY_SI:
        magnitude = min(magnitude, _BINARY_MAX)
        if 0 < magnitude < 1:
            fmt = Format.DECIMAL_SI
    return Quantity(-magnitude if sign == "-" else magnitude, fmt)


def _round_up_to_nano(magnitude: Fraction) -> Fraction:
    scaled = magnitude / _NANO
    if scaled.denominator == 1:
        return magnitude
    return math.ceil(scaled) * _NANO


def _canonical(value: Fraction, fmt: Format) -> str:
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    magnitude = _round_up_to_nano(abs(value))
    # Binary notation only for whole numbers of at least 1Ki; anything else would need rounding
    # or look odd (`512` rather than `0.5Ki`).
    if fmt is Format.BINARY_SI and (magnitude < 1024 or magnitude.denominator != 1):
        fmt = Format.DECIMAL_SI
    if fmt is Format.BINARY_SI:
        mantissa = magnitude.numerator
        power = 0
        while mantissa % 1024 == 0 and power < len(_BINARY_BY_POWER) - 1:
            mantissa //= 1024
            power += 1
        return f"{sign}{mantissa}{_BINARY_BY_POWER[power]}"

    # mantissa * 10**exponent with no trailing zeros, then the exponent lowered to a multiple of 3.
    mantissa = int(magnitude / _NANO)
    exponent = -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3
    mantissa *= 10**shift
    exponent -= shift
    if fmt is Format.DECIMAL_EXPONENT:
        return f"{sign}{mantissa}" + (f"e{exponent}" if exponent else "")
    if exponent > 18:
        # Beyond exa there is no SI letter; keep the value right by growing the mantissa.
        mantissa *= 10 ** (exponent - 18)
        exponent = 18
    return f"{sign}{mantissa}{_DECIMAL_BY_EXPONENT[exponent]}"


def parse_quantity(text: str | int | float | Quantity) -> Quantity:
    """Parse a quantity; raise QuantityError when it is malformed."""
    return Quantity.parse(text)


def canonical(text: str | int | float | Quantity) -> str:
    """The canonical form of a quantity (`1024Mi` -> `1Gi`); raise QuantityError if malformed."""
    return Quantity.parse(text).canonical()


def compare(a: str | int | Quantity, b: str | int | Quantity) -> int:
    """-1, 0 or 1 as a is less than, equal to or greater than b."""
    qa, qb = Quantity.parse(a), Quantity.parse(b)
    return (qa.value > qb.value) - (qa.value < qb.value)


def add(a: str | int | Quantity, b: str | int | Quantity) -> Quantity:
    """The sum of two quantities, in the notation of the first (of the second if a is zero)."""
    return Quantity.parse(a) + Quantity.parse(b)


def cpu_millis(q: str | int | float | Quantity) -> int:
    """CPU as millicores, rounded up: `100m` -> 100, `1` -> 1000, `0.5` -> 500."""
    return Quantity.parse(q).milli_value()


def memory_bytes(q: str | int | float | Quantity) -> int:
    """Memory as bytes, rounded up: `1Gi` -> 1073741824, `500M` -> 500000000."""
    return Quantity.parse(q).int_value()
