#!/usr/bin/env bash
# malloc_tuning.t -- an indexing run of cari-index starts itself again,
# once, with glibc's malloc tunables for transparent huge pages and one
# arena (restart_tuned in src/cli/cari_index.c): the same process, the
# arguments as given (getopt_long reorders argv), a user's own malloc
# tunables left as they are, and the articles indexed.  The proof of the
# tunables is glibc's advice on the heap: a mapping of the process with
# "hg" in its VmFlags (/proc/PID/smaps), read once the indexer holds the
# index's LOCK, that is, past the restart.  (Its environment in
# /proc/PID/environ is no proof: glibc cuts GLIBC_TUNABLES there at the
# first ':' as it parses it.)  glibc advises only when the kernel's THP
# mode is madvise, Linux's default; in another mode the advice is not
# checked.  Skips for sanitized builds (their allocator is their own: no
# restart) and off Linux.
. "$(dirname "$0")/tap.sh"

CI=$BIN/cari-index
CS=$BIN/cari-search

[ -r /proc/self/environ ] || skip_all "no /proc"
case "${CARI_CC:-}" in
*-fsanitize*) skip_all "sanitized binaries: no restart" ;;
esac
ldd "$CI" 2>/dev/null | grep -q 'libasan\|libubsan\|libtsan' &&
    skip_all "$CI is built with a sanitizer: no restart"
ldd "$CI" 2>/dev/null | grep -q 'libc\.so\.6' ||
    skip_all "$CI is not linked with glibc"

THP=$(sed -n 's/.*\[\(.*\)\].*/\1/p' \
    /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)

N=0
# run USER_TUNABLES: index one article from a fifo, the options after the
# input.  Once the process started holds LOCK (past the restart, which
# comes before the writer opens): $ARGV0, its argv[0] ("cari-index" after
# the restart, the path it was started by without); $COMM, its name;
# $ADVISED, how many of its mappings have huge page advice (glibc gives
# it as its heap grows past 2 MiB, which may come after LOCK: looked for
# until it shows, 5 s at most, when restarted; without the tunables
# glibc gives none at all).  $RC: its exit status.
run() {
    N=$((N + 1))
    local fifo=$TMP/fifo$N ix=$TMP/ix$N i pid
    mkfifo "$fifo"
    if [ "$1" = unset ]; then
        env -u GLIBC_TUNABLES "$CI" - -q --no-sync -i "$ix" < "$fifo" &
    else
        env GLIBC_TUNABLES="$1" "$CI" - -q --no-sync -i "$ix" < "$fifo" &
    fi
    pid=$!
    exec 3> "$fifo"
    for i in $(seq 200); do
        [ -e "$ix/LOCK" ] && break
        sleep 0.05
    done
    ARGV0=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -n 1)
    COMM=$(cat "/proc/$pid/comm" 2>/dev/null)
    for i in $(seq 100); do
        ADVISED=$(grep -c '^VmFlags:.* hg' "/proc/$pid/smaps" 2>/dev/null)
        [ "$ARGV0" = cari-index ] && [ "${ADVISED:-0}" -eq 0 ] || break
        sleep 0.05
    done
    printf '{"id":"t%d","title":"Ikan nila","text":"Nelayan menjual ikan nila di pasar."}\n' "$N" >&3
    exec 3>&-
    wait "$pid"
    RC=$?
}

advised() {  # advised DESCRIPTION: $ADVISED > 0, where glibc advises
    if [ "$THP" = madvise ]; then
        [ "${ADVISED:-0}" -gt 0 ]; ok $? "$1"
    else
        skip_one "$1 (THP mode ${THP:-unknown}: glibc gives no advice)"
    fi
}

# the pid read is the one started: a restart by fork would leave the
# advice out of it (and a supervisor, or crash.t's kill, holding a pid
# that is not the indexer's)
run unset
is "$ARGV0" cari-index "no tunables: the process restarted itself"
advised "  and runs on with huge pages"
is "$COMM" cari-index "  named after its file still (ps, top, pkill)"
is "$RC" 0 "exit 0"
is "$("$CS" -i "$TMP/ix1" -f tsv --fields id nila 2>&1)" "t1" \
    "the article read through the restart (options after the input) is indexed"

run "glibc.pthread.rseq=1"
is "$ARGV0" cari-index "another tunable of the user's: restarted"
advised "  with ours added to it"
is "$RC" 0 "exit 0"

run "glibc.malloc.trim_threshold=1048576"
is "$ARGV0" "$CI" "a user's own malloc tunables stand: no restart"
is "$ADVISED" 0 "  and no advice"
is "$RC" 0 "exit 0"
is "$("$CS" -i "$TMP/ix3" -f tsv --fields id nila 2>&1)" "t3" \
    "and the article is indexed"

done_testing
