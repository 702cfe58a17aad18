"""Resource quantities: parsing, canonical form, arithmetic and the cpu/memory helpers."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kubia_tutor.api.quantity import (
    FORMAT_WRONG,
    SUFFIX_WRONG,
    Format,
    Quantity,
    QuantityError,
    add,
    canonical,
    compare,
    cpu_millis,
    memory_bytes,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value", "fmt"),
    [
        ("100m", Fraction(1, 10), Format.DECIMAL_SI),
        ("1", Fraction(1), Format.DECIMAL_SI),
        ("1.5", Fraction(3, 2), Format.DECIMAL_SI),
        (".5", Fraction(1, 2), Format.DECIMAL_SI),
        ("1.", Fraction(1), Format.DECIMAL_SI),
        ("500M", Fraction(500_000_000), Format.DECIMAL_SI),
        ("2k", Fraction(2000), Format.DECIMAL_SI),
        ("3u", Fraction(3, 10**6), Format.DECIMAL_SI),
        ("7n", Fraction(7, 10**9), Format.DECIMAL_SI),
        ("1E", Fraction(10**18), Format.DECIMAL_SI),
        ("1Ki", Fraction(1024), Format.BINARY_SI),
        ("1Gi", Fraction(2**30), Format.BINARY_SI),
        ("1.5Gi", Fraction(3 * 2**29), Format.BINARY_SI),
        ("2e3", Fraction(2000), Format.DECIMAL_EXPONENT),
        ("2E3", Fraction(2000), Format.DECIMAL_EXPONENT),
        ("1e-3", Fraction(1, 1000), Format.DECIMAL_EXPONENT),
        ("-1Gi", Fraction(-(2**30)), Format.BINARY_SI),
        ("+5", Fraction(5), Format.DECIMAL_SI),
        (" 64Mi ", Fraction(64 * 2**20), Format.BINARY_SI),
    ],
)
def test_parse_values_and_formats(text: str, value: Fraction, fmt: Format) -> None:
    q = parse_quantity(text)
    assert q.value == value
    assert q.format is fmt


def test_binary_fraction_below_one_becomes_decimal() -> None:
    q = parse_quantity("0.5Ki")
    assert q.value == 512
    assert q.format is Format.BINARY_SI
    tiny = parse_quantity(".0000000001Ki")
    assert tiny.format is Format.DECIMAL_SI


def test_sub_nano_values_round_up() -> None:
    assert parse_quantity("0.0000000001").value == Fraction(1, 10**9)
    assert parse_quantity("1.0000000001").value == Fraction(1_000_000_001, 10**9)
    assert parse_quantity("-0.0000000001").value == Fraction(-1, 10**9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1024Mi", "1Gi"),
        ("1Gi", "1Gi"),
        ("100Mi", "100Mi"),
        ("1000Mi", "1000Mi"),
        ("1536Mi", "1536Mi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Gi", "512Mi"),
        ("2048Ki", "2Mi"),
        ("1048576Ki", "1Gi"),
        ("0.5Ki", "512"),  # below 1024 binary notation is dropped
        ("1023Ki", "1023Ki"),
        ("0.1Gi", "107374182400m"),  # not a whole number of bytes
        ("0.5", "500m"),
        ("1.5", "1500m"),
        ("100m", "100m"),
        ("1000m", "1"),
        ("1000", "1k"),
        ("1k", "1k"),
        ("1.5k", "1500"),
        ("500M", "500M"),
        ("500000000", "500M"),
        ("128974848", "128974848"),
        ("1000000000n", "1"),
        ("1500n", "1500n"),
        ("10u", "10u"),
        ("0", "0"),
        ("0Gi", "0"),
        ("0.000m", "0"),
        ("2e3", "2e3"),
        ("1.5e3", "1500"),
        ("129e6", "129e6"),
        ("12e5", "1200e3"),
        ("1e0", "1"),
        ("1e-3", "1e-3"),
        ("-1Gi", "-1Gi"),
        ("-0.5", "-500m"),
        ("1000E", "1000E"),
    ],
)
def test_canonical_form(text: str, expected: str) -> None:
    assert canonical(text) == expected
    assert str(parse_quantity(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", FORMAT_WRONG),
        ("abc", FORMAT_WRONG),
        ("1.5.5", FORMAT_WRONG),
        ("1 Gi", FORMAT_WRONG),
        ("1Gb", FORMAT_WRONG),
        ("1K", SUFFIX_WRONG),
        ("1mi", SUFFIX_WRONG),
        ("1e", SUFFIX_WRONG),
        ("Gi", FORMAT_WRONG),
    ],
)
def test_bad_quantities(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as err:
        parse_quantity(text)
    assert str(err.value) == message


def test_json_numbers_are_accepted() -> None:
    assert canonical(2) == "2"
    assert canonical(0.25) == "250m"
    assert cpu_millis(1) == 1000
    with pytest.raises(QuantityError):
        parse_quantity(True)
    with pytest.raises(QuantityError):
        parse_quantity(float("nan"))


def test_comparison_ignores_notation() -> None:
    assert parse_quantity("1Gi") == parse_quantity("1073741824")
    assert parse_quantity("1k") == parse_quantity("1e3")
    assert hash(parse_quantity("0.5")) == hash(parse_quantity("500m"))
    assert parse_quantity("100m") < parse_quantity("1")
    assert parse_quantity("1Gi") > parse_quantity("1G")
    assert parse_quantity("1") == 1
    assert parse_quantity("2") > 1
    assert compare("1Gi", "1024Mi") == 0
    assert compare("500m", "1") == -1
    assert compare("2", "1500m") == 1
    assert sorted(map(parse_quantity, ["1Gi", "1", "100Mi", "1k"])) == [
        parse_quantity("1"), parse_quantity("1k"), parse_quantity("100Mi"), parse_quantity("1Gi")
    ]


def test_addition_keeps_the_left_notation() -> None:
    assert str(add("1Gi", "512Mi")) == "1536Mi"
    assert str(add("100m", "900m")) == "1"
    assert str(add("1", "1Gi")) == "1073741825"
    # A zero left operand takes the right operand's notation.
    assert str(add("0", "1Gi")) == "1Gi"
    assert str(sum([parse_quantity("256Mi"), parse_quantity("768Mi")])) == "1Gi"
    assert str(parse_quantity("1Gi") - parse_quantity("512Mi")) == "512Mi"
    assert str(parse_quantity("0") - parse_quantity("1Mi")) == "-1Mi"
    assert str(-parse_quantity("250m")) == "-250m"
    assert parse_quantity("1") + 1 == 2


def test_parse_returns_quantities_unchanged() -> None:
    q = Quantity(5)
    assert Quantity.parse(q) is q
    assert repr(parse_quantity("1Gi")) == "Quantity('1Gi')"
    assert Quantity().is_zero()


@pytest.mark.parametrize(
    ("text", "millis"),
    [("100m", 100), ("1", 1000), ("0.5", 500), ("2", 2000), ("1.0001", 1001), ("1n", 1),
     ("250m", 250), ("0", 0)],
)
def test_cpu_millis(text: str, millis: int) -> None:
    assert cpu_millis(text) == millis


@pytest.mark.parametrize(
    ("text", "size"),
    [("1Gi", 2**30), ("500M", 500_000_000), ("128974848", 128974848), ("129e6", 129_000_000),
     ("123Mi", 123 * 2**20), ("1500m", 2), ("0", 0)],
)
def test_memory_bytes(text: str, size: int) -> None:
    assert memory_bytes(text) == size
