# bash completion for cari-index and cari-search.  Installed by
# `make install` as share/bash-completion/completions/cari-search, with
# cari-index a link to it (bash-completion loads a file by command name).

_cari_search() {
    local cur prev
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        -i|--index) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -f|--format) COMPREPLY=($(compgen -W "text json tsv" -- "$cur")); return ;;
        --color|--colour) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --batch|--latency) COMPREPLY=($(compgen -f -- "$cur")); return ;;
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
        -n|--limit|--offset|--snippet-words|--since|--until|--k1|--b|--title-weight)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--index --limit --offset --all --plain --format
            --color --snippet-words --batch --latency --where --since --until
            --fields --did-you-mean --stats --k1 --b --title-weight --help
            --version" -- "$cur"))
    fi
}

_cari_index() {
    local cur prev
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        -i|--index) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --memory|--compression) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--index --quiet --memory --compression
            --no-sync --analyze --help --version" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _cari_search cari-search
complete -o filenames -F _cari_index cari-index
