#!/usr/bin/env bash
# docs.t -- every long option that a tool's --help lists is documented in
# its man page (docs/man/) and offered by the bash completion
# (docs/completion/cari.bash), so the three cannot drift apart.
. "$(dirname "$0")/tap.sh"

for tool in cari-index cari-search; do
    man=$ROOT/docs/man/$tool.1
    comp=$ROOT/docs/completion/cari.bash
    fn=_${tool//-/_}
    # the completion function's body, from its name to the next "}" line
    body=$(awk -v f="$fn() {" '$0 == f { p = 1 } p { print } p && /^}/ { exit }' "$comp")
    opts=$("$BIN/$tool" --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' |
           sed 's/^[ ,]*//' | sort -u)
    [ -n "$opts" ]; ok $? "$tool --help lists long options"
    for o in $opts; do
        grep -qF -- "${o//-/\\-}" "$man"; ok $? "$tool(1) documents $o"
        [[ $body == *"$o"* ]]; ok $? "bash completion offers $tool $o"
    done
done
# --opt=VALUE completes the value: bash hands the completion "--color=al"
# as the words "--color" "=" "al" ("=" is a word break), and "--color="
# as "--color" "=".
complete_words() {  # complete_words FUNCTION WORD...: the replies, sorted
    bash -c '. "$1"; shift; f=$1; shift; COMP_WORDS=("$@")
             COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
             "$f"; printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " "' \
        _ "$ROOT/docs/completion/cari.bash" "$@"
}
is "$(complete_words _cari_search cari-search --color al)" "always" \
    "completion: --color al"
is "$(complete_words _cari_search cari-search --color = al)" "always" \
    "completion: --color=al"
is "$(complete_words _cari_search cari-search --color =)" "always auto never" \
    "completion: --color="
is "$(complete_words _cari_search cari-search --format = j)" "json" \
    "completion: --format=j"
is "$(complete_words _cari_index cari-index --backend = x)" "xapian" \
    "completion: cari-index --backend=x"
is "$(complete_words _cari_search cari-search =)" "" \
    "completion: a query word '=' (an exact form) completes nothing"
done_testing
