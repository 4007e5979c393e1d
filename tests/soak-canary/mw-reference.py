#!/usr/bin/env python3
"""Reference values for the Mann-Whitney / Hodges-Lehmann tests of soak-canary judge.

Written independently of common/canary/judge.c, by brute force where it can be:
the exact null distribution by enumerating every placement of the canary's
ranks (itertools.combinations), the shift and its interval from the explicit,
sorted list of all n1*n2 differences, the normal approximation from the
textbook formulas (statistics.NormalDist). Prints the numbers pasted into
tests/unit/canary/test_judge.c and tests/soak-canary/t0003-judge.sh.
Usage: python3 mw-reference.py
"""
import itertools
import math
from statistics import NormalDist


def midranks(values):
    order = sorted(values)
    rank = {}
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and order[j] == order[i]:
            j += 1
        rank[order[i]] = (i + 1 + j) / 2.0
        i = j
    return rank


def reference(canary, baseline, conf=0.98):
    n1, n2 = len(canary), len(baseline)
    pooled = canary + baseline
    rank = midranks(pooled)
    u = sum(rank[x] for x in canary) - n1 * (n1 + 1) / 2.0
    # U counted pair by pair, to check the rank formula
    u_pairs = sum((c > b) + 0.5 * (c == b) for c in canary for b in baseline)
    assert abs(u - u_pairs) < 1e-9
    diffs = sorted(c - b for c in canary for b in baseline)
    npairs = n1 * n2
    hl = (diffs[(npairs - 1) // 2] + diffs[npairs // 2]) / 2.0
    ties = {}
    for x in pooled:
        ties[x] = ties.get(x, 0) + 1
    n = n1 + n2
    tsum = sum(t ** 3 - t for t in ties.values())
    sd = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tsum / (n * (n - 1))))
    alpha = 1 - conf
    if tsum == 0 and n1 < 50 and n2 < 50:
        # every placement of the canary among the n ranks is equally likely
        dist = {}
        total = 0
        for pos in itertools.combinations(range(1, n + 1), n1):
            w = sum(pos) - n1 * (n1 + 1) // 2
            dist[w] = dist.get(w, 0) + 1
            total += 1
        cdf = lambda q: sum(v for w, v in dist.items() if w <= q) / total
        p = min(1.0, 2 * min(cdf(u), 1 - cdf(u - 1)))
        k = next(q for q in range(npairs + 1) if cdf(q) >= alpha / 2)
        k = max(k, 1)
        achieved = 1 - 2 * cdf(k - 1)
        z = 0.0
        mode = "exact"
    else:
        d = u - npairs / 2.0
        corr = 0.5 if d > 0 else -0.5 if d < 0 else 0.0
        z = (d - corr) / sd if sd > 0 else 0.0
        p = 2 * (1 - NormalDist().cdf(abs(z)))
        zq = NormalDist().inv_cdf(1 - alpha / 2)
        k = max(1, math.floor(npairs / 2.0 - zq * sd))
        achieved = float("nan")
        mode = "normal"
    lo, hi = diffs[k - 1], diffs[npairs - k]
    mb, mc = sum(baseline) / n2, sum(canary) / n1
    return dict(mode=mode, u=u, sd=sd, z=z, p=p, hl=hl, k=k, lo=lo, hi=hi,
                achieved=achieved, ratio=mc / mb)


CASES = {
    # exact: no ties, 6 and 7 values
    "A": ([11.8, 12.4, 10.7, 12.9, 11.5, 12.1],
          [10.1, 11.3, 9.8, 10.5, 10.9, 10.0, 11.1]),
    # ties: normal approximation with the tie correction
    "B": ([5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 10, 12],
          [4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9, 9]),
    # no ties but 60 values each: normal approximation; the canary about 6% higher
    "C": ([100 + ((i * 37) % 61) * 0.5 + 6 for i in range(60)],
          [100 + ((i * 41) % 67) * 0.5 + 0.25 for i in range(60)]),
}

if __name__ == "__main__":
    for name, (c, b) in CASES.items():
        r = reference(c, b)
        print(name, " ".join("%s=%.12g" % (k, v) if isinstance(v, float) else "%s=%s" % (k, v)
                             for k, v in r.items()))
