# count, pass rate (passed / (iterations - skipped)) and p95 of duration_ms (type 7)
[inputs | select(type == "object" and (.status | type) == "string") | [.status, .duration_ms]]
| length as $n
| (map(select(.[0] == "pass")) | length) as $pass
| (map(select(.[0] == "skipped")) | length) as $skipped
| (map(.[1] | select(type == "number")) | sort) as $d
| ((($d | length) - 1) * 0.95) as $h
| ($h | floor) as $i
| {count: $n, pass_rate: ($pass / ($n - $skipped)),
   p95_duration_ms: (if $i + 1 < ($d | length) then $d[$i] + ($h - $i) * ($d[$i + 1] - $d[$i]) else $d[$i] end)}
