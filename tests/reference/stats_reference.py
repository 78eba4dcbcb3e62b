#!/usr/bin/env python3
"""Reference answers for DX Atlas's statistics, from mapclassify and esda.

DX Atlas classifies values and computes Moran's I in Rust (src/stats). Its
integration tests run this script to get the answers of the Python libraries
the Rust code is meant to agree with.

Input, one JSON object on stdin:

    {"values": [...], "k": 5,
     "methods": ["Quantiles", "EqualInterval", "FisherJenks", "StdMean"],
     "manual": [...],                 # optional: breaks for UserDefined
     "neighbours": [[1, 2], [0], ...]} # optional: contiguity lists, islands allowed

Output, one JSON object on stdout:

    {"breaks": {"Quantiles": [...], ..., "UserDefined": [...]},
     "counts": {...},                 # class counts, same keys
     "errors": {...},                 # methods mapclassify refused, with its message
     "moran": {"I": .., "EI": .., "VI_norm": .., "z_norm": .., "p_norm": ..,
               "VI_rand": .., "z_rand": .., "p_rand": ..},
     "local_I": [...], "local_q": [...]}

A method mapclassify refuses maps to null in "breaks" and "counts". "moran",
"local_I" and "local_q" are null without "neighbours". StdMean uses the
multiples DX Atlas derives from k (see std_mean_multiples). Weights are
row-standardised (esda's default "r"); p_norm and p_rand are two-sided
(esda's default). Nothing but the JSON answer is written to stdout.

Needs: pip install mapclassify esda libpysal
"""

import contextlib
import json
import math
import sys
import warnings

warnings.simplefilter("ignore")

METHODS = ("Quantiles", "EqualInterval", "FisherJenks", "StdMean")


def std_mean_multiples(k):
    """Multiples of the standard deviation for k StdMean classes.

    With h = (k - 1) // 2 the multiples are -h..h, leaving out 0 when k is
    odd: k=3 -> [-1, 1], k=4 -> [-1, 0, 1], k=5 -> [-2, -1, 1, 2].
    """
    h = (k - 1) // 2
    return [float(m) for m in range(-h, h + 1) if k % 2 == 0 or m != 0]


def finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


def classify(values, k, methods, manual):
    import mapclassify
    import numpy as np

    y = np.asarray(values, dtype=float)
    makers = {
        "Quantiles": lambda: mapclassify.Quantiles(y, k=k),
        "EqualInterval": lambda: mapclassify.EqualInterval(y, k=k),
        "FisherJenks": lambda: mapclassify.FisherJenks(y, k=k),
        "StdMean": lambda: mapclassify.StdMean(y, multiples=std_mean_multiples(k)),
    }
    wanted = [m for m in methods if m in makers]
    if manual is not None:
        makers["UserDefined"] = lambda: mapclassify.UserDefined(y, list(manual))
        wanted.append("UserDefined")
    breaks, counts, errors = {}, {}, {}
    for name in wanted:
        try:
            result = makers[name]()
        except Exception as exc:  # mapclassify refuses some inputs; report it
            breaks[name] = counts[name] = None
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        breaks[name] = [finite_or_none(b) for b in result.bins]
        counts[name] = [int(c) for c in result.counts]
    return breaks, counts, errors


def moran(values, neighbours):
    import esda
    import numpy as np
    from libpysal.weights import W

    y = np.asarray(values, dtype=float)
    if len(neighbours) != len(y):
        raise ValueError(f"{len(y)} values but {len(neighbours)} neighbour lists")
    w = W({i: list(nb) for i, nb in enumerate(neighbours)}, silence_warnings=True)
    w.transform = "r"
    g = esda.Moran(y, w, transformation="r", permutations=0)
    local = esda.Moran_Local(y, w, transformation="r", permutations=0)
    summary = {
        "I": g.I,
        "EI": g.EI,
        "VI_norm": g.VI_norm,
        "z_norm": g.z_norm,
        "p_norm": g.p_norm,
        "VI_rand": g.VI_rand,
        "z_rand": g.z_rand,
        "p_rand": g.p_rand,
    }
    return (
        {key: finite_or_none(value) for key, value in summary.items()},
        [finite_or_none(v) for v in local.Is],
        [int(q) for q in local.q],
    )


def main():
    request = json.load(sys.stdin)
    out = sys.stdout
    # Libraries may print while importing or computing: keep stdout for the answer.
    with contextlib.redirect_stdout(sys.stderr):
        breaks, counts, errors = classify(
            request["values"],
            int(request.get("k", 5)),
            request.get("methods", list(METHODS)),
            request.get("manual"),
        )
        answer = {"breaks": breaks, "counts": counts, "errors": errors}
        neighbours = request.get("neighbours")
        if neighbours is None:
            answer.update(moran=None, local_I=None, local_q=None)
        else:
            summary, local_i, local_q = moran(request["values"], neighbours)
            answer.update(moran=summary, local_I=local_i, local_q=local_q)
    json.dump(answer, out, allow_nan=False)
    out.write("\n")


if __name__ == "__main__":
    main()
