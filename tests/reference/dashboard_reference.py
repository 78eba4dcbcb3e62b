#!/usr/bin/env python3
"""Reference figures of the Digital Agency's dashboard table, computed with pandas.

DX Atlas imports the table in Rust (src/survey/dashboard.rs) and aggregates the stored
answers in SQL. Its integration tests run this script on the same file to get what pandas
makes of it.

Input, one JSON object on stdin:

    {"file": "/path/市区町村毎のDX進捗状況_市区町村比較.csv",
     "row": "マイナンバーカードの保有状況",   # the label in column 2
     "codes": ["01100", ...]}                  # the authorities, in column order

Output, one JSON object on stdout:

    {"values": {"01100": 72.0, ...},  # the percentages read, by code (no entry: no value)
     "mean_by_prefecture": {"01": .., ...},  # unweighted mean per prefecture
     "mean": ..,                              # unweighted mean of all
     "n": .., "blank": ..}                    # cells with a value; cells without one

A cell without a value is an empty one or a bare "%" (a share of 0 of 0 procedures).

Needs: pip install pandas
"""

import json
import sys

import pandas as pd


def main():
    request = json.load(sys.stdin)
    table = pd.read_csv(request["file"], header=None, dtype=str, encoding="utf-8-sig")
    labels = table[1].fillna("").str.strip()
    row = table[labels == request["row"]].iloc[0, 2 : 2 + len(request["codes"])]
    text = row.fillna("").str.strip()
    numbers = pd.to_numeric(text.str.rstrip("%"), errors="coerce")
    values = pd.Series(numbers.to_numpy(), index=request["codes"]).dropna()
    by_prefecture = values.groupby(values.index.str[:2]).mean()
    json.dump(
        {
            "values": values.to_dict(),
            "mean_by_prefecture": by_prefecture.to_dict(),
            "mean": float(values.mean()),
            "n": int(values.size),
            "blank": int(len(request["codes"]) - values.size),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
