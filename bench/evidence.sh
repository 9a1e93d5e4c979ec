#!/usr/bin/env bash
# Evidence workbook benchmark (issue 17): the campaign workbook of a
# synthetic campaign of EVIDENCE_BENCH_ITEMS review items (default
# 1,000,000), each mode in its own process so /usr/bin/time reports its
# peak RSS:
#   raw     the same cells through a plain excelize StreamWriter (no
#           neutralising, hashing, tables or Manifest): the baseline
#   export  the real export (targets: <= 1.3x raw, peak RSS <= 350 MB)
#   verify  syncd's verification of the exported file (target: <= 2x export)
# Both raw and export read the same synthetic source, so the ratio is the
# cost of what evidence adds to writing the cells. On a shared machine,
# compare the CPU times (user + sys) as well as wall time: other load
# stretches wall time, not CPU time.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${EVIDENCE_BENCH_ITEMS:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/evidence.test" ./internal/evidence
for mode in raw export verify; do
	EVIDENCE_BENCH_ITEMS=$items EVIDENCE_BENCH_DIR=$tmp /usr/bin/time -f "$mode: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
		"$tmp/evidence.test" -test.run '^$' -test.bench "BenchmarkCampaignExport/$mode\$" -test.benchtime 1x -test.benchmem |
		grep -E '^Benchmark|wall' || true
done 2>&1
ls -l "$tmp"/*.xlsx | awk '{print $5, $9}'
