# lib.sh -- helpers sourced by the bench scripts.

# latency_ms FILE: "p50 p95" in milliseconds of a --latency file (lines of
# query-number TAB microseconds).
latency_ms() {
    sort -t$'\t' -k2 -n "$1" |
        awk -F'\t' '{a[NR]=$2} END {printf "%.3f %.3f\n", a[int((NR+1)/2)]/1000, a[int(NR*0.95+0.999)]/1000}'
}
