"""Prices as typed in a field."""

from __future__ import annotations

from cockpit.widgets.format import typed_price


def test_a_typed_price_keeps_its_length_from_bar_to_bar() -> None:
    """The sizing entry is prefilled with the last price; a length that changed with each price (6543.5, then
    6543.25) laid the whole screen out again. Two decimals at least, five significant digits."""
    assert [typed_price(p) for p in (91807.96, 6543.5, 180.123, 2.34567, 0.0123456)] == [
        "91807.96", "6543.50", "180.12", "2.3457", "0.012346"]
    assert {len(typed_price(p)) for p in (6543.0, 6543.25, 6543.5, 6599.75)} == {7}
    assert {len(typed_price(p)) for p in (9.99, 10.0, 10.01)} == {6}  # 9.9900, 10.000, 10.010
    assert float(typed_price(82100.25)) == 82100.25


def test_evidence_reads_dollars_in_whole_units_and_ratios_to_four_figures() -> None:
    from cockpit.screens.evidence import evidence_value

    assert evidence_value(16_020_489.3) == "16,020,489"  # an hour's long liquidations, once `1.602e+07`
    assert evidence_value(-7_430_000_000.0) == "-7,430,000,000"
    assert evidence_value(4.1532) == "4.153" and evidence_value(0.41634) == "0.4163"
    assert evidence_value(9_999.4) == "9,999" and evidence_value(9_999.97) == "10,000"  # never 1e+04
    assert evidence_value(1_234.5) == "1,234" and evidence_value(999.94) == "999.9"
    assert evidence_value(1_234_567) == "1,234,567"
    assert evidence_value(float("nan")) == "n/a" and evidence_value(None) == "n/a"
    assert evidence_value(True) == "yes" and evidence_value(168) == "168"
