"""Resource quantities as kubectl v1.20 prints them client-side (`--hard`, `--limits`, ...).

kubectl parses each value with apimachinery's ParseQuantity and prints it again. The number is
normalised (`1024Mi` prints as `1Gi`, `0.5` as `500m`), except that a value the parser finds
already canonical keeps the user's exact spelling, `+1` and `0001` included. The API server
later re-normalises, so this spelling is only ever visible in `--dry-run=client` output; the
server-side arithmetic lives in `kubia_tutor.api.quantity`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction

from kubia_tutor.shell.generators._support import INT64_MAX, INT64_MIN
from kubia_tutor.shell.generators.errors import GeneratorError

__all__ = ["ERR_FORMAT", "ERR_NUMERIC", "ERR_SUFFIX", "kubectl_quantity"]

ERR_FORMAT = (
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"


class _Format(Enum):
    DECIMAL_SI = "DecimalSI"
    BINARY_SI = "BinarySI"
    DECIMAL_EXPONENT = "DecimalExponent"


_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_BY_EXPONENT = {exp: suffix for suffix, exp in _DECIMAL.items()}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_BY_EXPONENT = {exp: suffix for suffix, exp in _BINARY.items()}
_BINARY_BY_EXPONENT[0] = ""
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")


def kubectl_quantity(text: str) -> str:
    """The string kubectl puts in the object for the quantity `text`, or GeneratorError."""
    if text == "":
        raise GeneratorError(ERR_FORMAT)
    if text == "0":
        return "0"
    positive, value, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix)

    # The parser's fast path keeps small exact values as an int64 with a decimal scale.
    precision = -1
    scale = 0
    mantissa = 1
    if fmt is _Format.BINARY_SI:
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - exponent * 3 // 10 - 1
    else:
        scale = exponent
        precision = 18 - len(num) - len(denom)
    if precision >= 0:
        scale -= len(denom)
        if scale >= -9:
            shifted = num + denom
            number = int(shifted)
            result = number * mantissa
            if result <= INT64_MAX:
                if not positive:
                    result = -result
                if fmt is _Format.BINARY_SI:
                    canonical_already = exponent % 10 == 0 and number & 0x07 != 0
                else:
                    canonical_already = (
                        scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                    )
                if canonical_already:
                    return text
                if fmt is _Format.BINARY_SI:
                    return _canonical_binary(result)
                return _canonical_decimal(result, scale, fmt)

    try:
        sign, digits, digits_exponent = Decimal(value).as_tuple()
    except InvalidOperation:
        raise GeneratorError(ERR_NUMERIC) from None
    assert isinstance(digits_exponent, int)  # value holds only digits, sign and a point
    number = int("".join(map(str, digits)))
    if number == 0:
        return "0"
    if base == 10:
        # Kept as digits and a power of ten: exponents can be huge, and decimal values are
        # not capped. Anything asked for is at least 1n: round up, never down to zero.
        power = digits_exponent + exponent
        if power < -9:
            dropped = -9 - power
            number = 1 if dropped > len(digits) else -(-number // 10**dropped)
            power = -9
        return _canonical_decimal(-number if sign else number, power, fmt)

    amount = Fraction(number) * Fraction(10) ** digits_exponent * 2**exponent
    nanos = amount * 10**9
    amount = Fraction(-(-nanos.numerator // nanos.denominator), 10**9)
    # Only binary quantities are capped, at the largest int64.
    amount = min(amount, Fraction(INT64_MAX))
    if amount.denominator == 1 and amount >= 1:
        return _canonical_binary(-amount.numerator if sign else amount.numerator)
    power = 0
    while amount.denominator != 1:
        amount *= 10
        power -= 1
    return _canonical_decimal(
        -amount.numerator if sign else amount.numerator, power, _Format.DECIMAL_SI
    )


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: sign, numeric text, integer digits, fraction digits, suffix."""
    positive = True
    pos = 0
    end = len(text)
    if text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return positive, text, text[start:] or "0", "", ""
    num = text[start:pos] or "0"
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise GeneratorError(ERR_FORMAT)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, _Format]:
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix], _Format.DECIMAL_SI
    if suffix in _BINARY:
        return 2, _BINARY[suffix], _Format.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and body.isascii() and body.isdigit():
            exponent = int(digits)
            if INT64_MIN <= exponent <= INT64_MAX:
                # Go keeps only the low 32 bits of the exponent.
                exponent = (exponent + 2**31) % 2**32 - 2**31
                return 10, exponent, _Format.DECIMAL_EXPONENT
    raise GeneratorError(ERR_SUFFIX)


def _canonical_binary(number: int) -> str:
    """A whole BinarySI value: powers of 1024 become the suffix (small values stay decimal)."""
    if -1024 < number < 1024:
        return _canonical_decimal(number, 0, _Format.DECIMAL_SI)
    times = 0
    while number % 1024 == 0:
        number //= 1024
        times += 1
    return f"{number}{_BINARY_BY_EXPONENT[times * 10]}"


def _canonical_decimal(number: int, exponent: int, fmt: _Format) -> str:
    """number * 10**exponent with the exponent a multiple of three, as a suffix."""
    if number == 0:
        return "0"
    while number % 10 == 0:
        number //= 10
        exponent += 1
    shift = exponent % 3
    number *= 10**shift
    exponent -= shift
    if fmt is _Format.DECIMAL_EXPONENT:
        return f"{number}e{exponent}" if exponent else str(number)
    # An exponent past the SI table (only reachable on the fast path) gets no suffix in Go.
    return f"{number}{_DECIMAL_BY_EXPONENT.get(exponent, '')}"
