"""The comparison helper itself: display rounding is accepted only when every shown digit matches."""

from __future__ import annotations

from refcli import close_enough


def test_trailing_zeros_dropped_by_json_still_match() -> None:
    # -7.080013 at 4 decimals is -7.0800, which a JSON number prints as -7.08
    assert close_enough(-7.08, -7.080013406473384)
    assert close_enough(0.2, 0.20012079406326322)  # 3 decimals: 0.200
    assert close_enough(0.92, 0.9199507118437045)  # 4 decimals: 0.9200


def test_a_shown_digit_that_differs_still_fails() -> None:
    assert not close_enough(-7.08, -7.0849)  # -7.085 at 3 decimals, -7.0849 at 4
    assert not close_enough(0.2, 0.2012)  # 0.201 at 3 decimals
    assert not close_enough(7.5, 7.49)  # only 2 significant digits kept


def test_the_precision_floor_still_holds() -> None:
    assert not close_enough(7.0, 7.0012)  # 7.001 at 3 decimals: a shown zero that is wrong
    assert close_enough(1235.0, 1234.6)  # 4 significant digits
    assert not close_enough(120.0, 123.4)  # 2 significant digits would hide the error
    assert close_enough(None, None) and not close_enough(None, 1.0) and not close_enough(1.0, None)
