"""The same bars as Parquet and as CSV give the same snapshot, at every moment of `build_main`."""

from __future__ import annotations

import pytest

MOMENTS = ("friday", "sunday_evening", "monday_0000", "holiday", "after_holiday", "dst_sunday",
           "dst_monday_0000", "dst_tuesday")


@pytest.mark.parametrize("moment", MOMENTS)
def test_parquet_and_csv_agree(main_market, moment):  # type: ignore[no-untyped-def]
    parquet, csv = main_market.snap(moment, "parquet"), main_market.snap(moment, "csv")
    assert parquet["label"].endswith(".parquet") and csv["label"].endswith(".csv")
    assert {k: v for k, v in parquet.items() if k != "label"} == {k: v for k, v in csv.items() if k != "label"}
