#!/usr/bin/env python3
"""The soak-report benchmark's Python baseline: count, pass rate and p95 of
duration_ms (type 7, numpy's default) over a metrics.jsonl, one record a line."""
import json
import math
import sys

n = passed = skipped = 0
durations = []
with open(sys.argv[1], "rb") as f:
    for line in f:
        r = json.loads(line)
        status = r.get("status")
        if not isinstance(status, str):
            continue
        n += 1
        passed += status == "pass"
        skipped += status == "skipped"
        d = r.get("duration_ms")
        if isinstance(d, (int, float)) and not isinstance(d, bool):
            durations.append(d)
durations.sort()
h = (len(durations) - 1) * 0.95
i = math.floor(h)
p95 = durations[i] + (h - i) * (durations[i + 1] - durations[i]) if i + 1 < len(durations) else durations[i]
print(json.dumps({"count": n, "pass_rate": passed / (n - skipped), "p95_duration_ms": p95}))
