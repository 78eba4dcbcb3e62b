#!/usr/bin/env python3
"""Reference figures of SSDSE-A and of correlations, computed with pandas and scipy.

DX Atlas reads SSDSE-A in Rust (src/context/ssdse.rs), derives statistics from it
(src/context/statistics.rs) and correlates variables (src/stats/correlation.rs). Its
integration tests run this script to get what pandas and scipy make of the same file and pairs.

Input, one JSON object on stdin:

    {"file": "/path/SSDSE-A-2025.csv",
     "statistics": ["A1101", "share_65_plus", ...],   # published codes or derived ones
     "bands": [10000, 50000],                          # thresholds of population bands
     "correlate": [{"x": [...], "y": [...]}, ...],    # pairs to correlate
     "divide": {"values": {"01100": 12, ...}, "by": "A1101", "scale": 10000},
     "weighted": {"values": {"01100": 1, ...}, "by": "A1101"},  # per prefecture: Σ w·x / Σ w
     "quantiles": {"values": [...], "k": 3},          # mapclassify.Quantiles bins
     "banded_ratio": {"values": {code: count}, "by": "A1101", "scale": 10000,
                      "bands": [10000, ...]},       # Σ count / Σ by × scale per population band
     "crosstab": {"file": "/path/市区町村毎のDX進捗状況_市区町村比較.csv",
                  "a": "CIOの任命", "b": "AIの導入状況"}}  # two rows of the dashboard table

Output, one JSON object on stdout:

    {"values": {"A1101": {"01100": 1973395.0, ...}, ...},
     "band_counts": {"under 10,000": 513, ...},
     "correlations": [{"pearson": [r, p], "spearman": [rho, p]}, ...],
     "divided": {"01100": 0.06, ...},    # values / by × scale, where by is neither 0 nor missing
     "crosstab": {"table": [[..]], "rows": [..], "columns": [..], "n": ..,
                  "chi2": .., "p": .., "dof": .., "cramers_v": ..}}

The derived statistics are written here from their documented formulas, not from DX Atlas's
code: density = A1101 / (B1101 / 100) and so on.

Needs: pip install pandas scipy
"""

import json
import sys

import pandas as pd
from scipy import stats
from scipy.stats import contingency

DERIVED = {
    "density": lambda t: t["A1101"] / (t["B1101"] / 100),
    "density_habitable": lambda t: t["A1101"] / (t["B1103"] / 100),
    "share_65_plus": lambda t: t["A1303"] / t["A1101"] * 100,
    "share_75_plus": lambda t: t["A1419"] / t["A1101"] * 100,
    "persons_per_household": lambda t: t["A710201"] / t["A710101"],
    "staff_per_1000": lambda t: t["D1202"] / t["A1101"] * 1000,
}


def read(path):
    # Row 1: codes; rows 2 and 3: years and labels.
    table = pd.read_csv(path, encoding="cp932", header=0, skiprows=[1, 2], dtype={"SSDSE-A-2025": str})
    table.index = table["SSDSE-A-2025"].str[1:]
    return table


def label(thresholds, n):
    def grouped(v):
        return f"{v:,}"
    below = [t for t in thresholds if n >= t]
    if not below:
        return f"under {grouped(thresholds[0])}"
    i = len(below)
    if i == len(thresholds):
        return f"{grouped(thresholds[-1])} and over"
    return f"{grouped(thresholds[i - 1])}–{grouped(thresholds[i])}"


def crosstab(file, a, b):
    # Row 1 names the authorities; then the area, the indicator's label, one value each.
    table = pd.read_csv(file, header=None, skiprows=1, dtype=str)
    by_label = table.set_index(1).drop(columns=[0])
    answers = pd.DataFrame({"a": by_label.loc[a], "b": by_label.loc[b]})
    answered = answers[answers["a"].isin(["実施", "未実施"]) & answers["b"].isin(["実施", "未実施"])]
    observed = pd.crosstab(answered["a"], answered["b"])
    result = stats.chi2_contingency(observed.values)
    return {
        "table": observed.values.tolist(),
        "rows": list(observed.index),
        "columns": list(observed.columns),
        "n": int(observed.values.sum()),
        "chi2": float(result.statistic),
        "p": float(result.pvalue),
        "dof": int(result.dof),
        "cramers_v": float(contingency.association(observed.values, method="cramer")),
    }


def main():
    request = json.load(sys.stdin)
    table = read(request["file"])
    out = {"values": {}, "band_counts": {}, "correlations": []}
    for code in request.get("statistics", []):
        series = DERIVED[code](table) if code in DERIVED else table[code]
        series = series.replace([float("inf"), float("-inf")], float("nan")).dropna()
        out["values"][code] = {k: float(v) for k, v in series.items()}
    if "band_members" in request:
        # Each band's codes, in band order: [t0, t1) as the bands of `aggregate` are.
        edges = [float("-inf"), *request["band_members"], float("inf")]
        population = table["A1101"]
        out["band_members"] = [
            sorted(population[(population >= lo) & (population < hi)].index)
            for lo, hi in zip(edges, edges[1:])
        ]
    if "bands" in request:
        labels = table["A1101"].map(lambda n: label(request["bands"], n))
        out["band_counts"] = {k: int(v) for k, v in labels.value_counts().items()}
    for pair in request.get("correlate", []):
        p = stats.pearsonr(pair["x"], pair["y"])
        s = stats.spearmanr(pair["x"], pair["y"])
        out["correlations"].append(
            {"pearson": [float(p.statistic), float(p.pvalue)],
             "spearman": [float(s.statistic), float(s.pvalue)]})
    if "divide" in request:
        d = request["divide"]
        counts = pd.Series(d["values"], dtype=float)
        by = DERIVED[d["by"]](table) if d["by"] in DERIVED else table[d["by"]]
        ratio = (counts / by.reindex(counts.index) * d["scale"]).replace([float("inf")], float("nan")).dropna()
        out["divided"] = {k: float(v) for k, v in ratio.items()}
    if "quantiles" in request:
        import mapclassify
        q = request["quantiles"]
        out["quantiles"] = [float(b) for b in mapclassify.Quantiles(q["values"], k=q["k"]).bins]
    if "banded_ratio" in request:
        r = request["banded_ratio"]
        counts = pd.Series(r["values"], dtype=float)
        frame = pd.DataFrame({"n": counts, "d": table["A1101"].reindex(counts.index)}).dropna()
        frame["band"] = frame["d"].map(lambda n: label(r["bands"], n))
        frame["by"] = table[r["by"]].reindex(frame.index)
        sums = frame.dropna().groupby("band")[["n", "by"]].sum()
        out["banded_ratio"] = {k: float(v) for k, v in (sums["n"] / sums["by"] * r["scale"]).items()}
    if "weighted" in request:
        w = request["weighted"]
        values = pd.Series(w["values"], dtype=float)
        weights = table[w["by"]].reindex(values.index)
        frame = pd.DataFrame({"x": values, "w": weights}).dropna()
        frame["prefecture"] = frame.index.str[:2]
        sums = frame.assign(wx=frame["x"] * frame["w"]).groupby("prefecture")[["wx", "w"]].sum()
        out["weighted"] = {k: float(v) for k, v in (sums["wx"] / sums["w"]).items()}
    if "crosstab" in request:
        out["crosstab"] = crosstab(**request["crosstab"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
