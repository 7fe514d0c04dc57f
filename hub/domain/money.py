"""Money: a Decimal amount with an ISO 4217 currency, rounded to that currency's minor units.

Floats are refused outright: a float has already lost the cents we are asked to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hub.domain.errors import CurrencyMismatch, InvalidValue

# ISO 4217 currencies whose minor unit is not 2. Everything else in CURRENCIES uses 2.
_MINOR_UNITS_NOT_TWO: dict[str, int] = {
    # zero decimals
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    # three decimals
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four decimals
    "CLF": 4, "UYW": 4,
}  # fmt: skip

_TWO_DECIMALS = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT
LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP
SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UZS VES WST
XCD YER ZAR ZMW ZWG
""".split()  # noqa: SIM905 - a readable block of ISO codes

CURRENCIES: dict[str, int] = {code: 2 for code in _TWO_DECIMALS} | _MINOR_UNITS_NOT_TWO


def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (JPY 0, USD 2, KWD 3)."""
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise InvalidValue("currency", currency, "not an ISO 4217 currency code") from None


# Far beyond any order, and within what the database keeps (24 digits, 6 after the point)
# and what Decimal rounds exactly: an amount this large is bad input, refused by name.
MAX_AMOUNT = Decimal(10) ** 15


def parse_decimal(value: object, field: str = "amount") -> Decimal:
    """Turn what platforms send (strings, ints, Decimals) into a Decimal; refuse the rest."""
    if isinstance(value, bool | float):
        raise InvalidValue(field, value, "amounts must be given as strings or Decimals, not floats")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidValue(field, value, "not a decimal number") from None
    else:
        raise InvalidValue(field, value, "not a decimal number")
    if not result.is_finite():
        raise InvalidValue(field, value, "not a finite number")
    if abs(result) >= MAX_AMOUNT:
        raise InvalidValue(field, value, f"out of range (at most {MAX_AMOUNT:,} in size)")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidValue("amount", self.amount, "must be a finite Decimal")
        minor_units(self.currency)

    @classmethod
    def of(cls, amount: object, currency: str, field: str = "amount") -> Money:
        """Parse and round to the currency's minor units (half up, the accounting default)."""
        return cls(parse_decimal(amount, field), currency.upper()).rounded()

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    @property
    def exponent(self) -> Decimal:
        return Decimal(1).scaleb(-minor_units(self.currency))

    def rounded(self) -> Money:
        try:
            exact = self.amount.quantize(self.exponent, rounding=ROUND_HALF_UP)
        except InvalidOperation:  # more digits than Decimal keeps: an absurd amount
            raise InvalidValue("amount", self.amount, "out of range") from None
        return Money(exact, self.currency)

    def is_rounded(self) -> bool:
        return self.amount == self.amount.quantize(self.exponent, rounding=ROUND_HALF_UP)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: int | Decimal) -> Money:
        """Multiply by a quantity or rate and round to minor units."""
        if isinstance(factor, float):
            raise InvalidValue("factor", factor, "floats are not allowed in money arithmetic")
        return Money(self.amount * Decimal(factor), self.currency).rounded()

    def allocate(self, weights: list[int] | list[Decimal]) -> list[Money]:
        """Split into parts proportional to ``weights`` that add up exactly to this amount.

        Largest-remainder: the minor units left over go to the largest fractional parts,
        so a 10.00 discount over three lines is 3.34 + 3.33 + 3.33, never 9.99.
        """
        total_weight = sum(Decimal(w) for w in weights)
        if not weights or total_weight <= 0:
            raise InvalidValue("weights", weights, "need at least one positive weight")
        unit = self.exponent
        total_units = int((self.rounded().amount / unit).to_integral_value())
        raw = [Decimal(total_units) * Decimal(w) / total_weight for w in weights]
        floors = [int(r.to_integral_value(rounding="ROUND_FLOOR")) for r in raw]
        left = total_units - sum(floors)
        order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
        return [Money(Decimal(units) * unit, self.currency) for units in floors]

    def __str__(self) -> str:
        return f"{self.amount:.{minor_units(self.currency)}f} {self.currency}"


def total(amounts: list[Money], currency: str) -> Money:
    """Sum in ``currency``; an empty list is zero rather than an error."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
