# bash completion for cari-index and cari-search.  Installed by
# `make install` as share/bash-completion/completions/cari-search, with
# cari-index a link to it (bash-completion loads a file by command name).

# --opt=VALUE: bash splits "--color=al" into "--color" "=" "al" ("=" is in
# COMP_WORDBREAKS), so the option is the word before "=", and the value
# being completed is "" when the cursor sits just after "=".
_cari_opt_value() {
    if [[ $cur == = && $prev == --* ]]; then
        cur=
    elif [[ $prev == = && COMP_CWORD -ge 2 &&
            ${COMP_WORDS[COMP_CWORD-2]} == --* ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi
}

_cari_search() {
    local cur prev
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    _cari_opt_value
    case $prev in
        -i|--index) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -f|--format) COMPREPLY=($(compgen -W "text json tsv" -- "$cur")); return ;;
        --color|--colour) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --batch|--latency|--model) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --shard) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --backend) COMPREPLY=($(compgen -W "native xapian" -- "$cur")); return ;;
        --fields)
            local done=${cur%"${cur##*,}"} f
            for f in qno rank score id passage title snippet start end highlights meta total text; do
                [[ ,$done == *,$f,* ]] || COMPREPLY+=("$done$f")
            done
            COMPREPLY=($(compgen -W "${COMPREPLY[*]}" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return ;;
        --where)
            COMPREPLY=($(compgen -W "source= date=" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return ;;
        -n|--limit|--offset|--snippet-words|--since|--until|--k1|--b|--title-weight|\
        --title-k1|--title-b|--group|--rerank)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--index --shard --allow-partial --backend
            --limit --offset --all --plain --format --color --snippet-words
            --batch --latency --snippets --where --since --until --fields
            --group --explain --did-you-mean --as-written --no-feedback --stats --model
            --rerank --k1 --b
            --title-weight --title-k1 --title-b --features --help
            --version" -- "$cur"))
    fi
}

_cari_index() {
    local cur prev
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    _cari_opt_value
    case $prev in
        -i|--index) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --backend) COMPREPLY=($(compgen -W "native xapian" -- "$cur")); return ;;
        --delete-from) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --memory|--compression|-j|--threads|--shards|--delete) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--index --quiet --memory --compression
            --no-sync --threads --backend --shards --delete --delete-from
            --merge --stats --check --analyze --help --version" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _cari_search cari-search
complete -o filenames -F _cari_index cari-index
