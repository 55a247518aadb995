#!/usr/bin/env bash
# install.t -- `make install PREFIX=... DESTDIR=...` into a temporary
# directory: the files it puts there (tools, static and shared library
# with their soname links, header, pkg-config file, man pages, bash
# completion), that pkg-config finds the library, that a small C program
# built against the installed header and library (shared and static)
# searches an index of corpus/, and that `make uninstall` removes it all.
. "$(dirname "$0")/tap.sh"

command -v make >/dev/null || skip_all "make not found"
command -v pkg-config >/dev/null || skip_all "pkg-config not found"
CC_=${CARI_CC:-cc}
STAGE=$TMP/stage
PREFIX=/opt/cari
P=$STAGE$PREFIX

make -s -C "$ROOT" install DESTDIR="$STAGE" PREFIX="$PREFIX" >"$TMP/make.out" 2>&1
ok $? "make install DESTDIR=... PREFIX=$PREFIX"
[ -s "$TMP/make.out" ] && sed 's/^/# /' "$TMP/make.out" | tail -5

version=$(sed -n 's/^#define CARI_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/include/cari.h")
so=$(sed -n 's/^SOVERSION = //p' "$ROOT/Makefile")
# the file is named by the ABI's version (SOVERSION.MINOR.PATCH), not the release's
sofull=$(sed -n 's/^SOFULL = \$(SOVERSION)/'"$so"'/p' "$ROOT/Makefile")
like "$sofull" "^$so\\.[0-9]+\\.[0-9]+$" "the library file's version starts with the soname's ($sofull)"
for f in bin/cari-index bin/cari-search lib/libcari.a "lib/libcari.so.$sofull" \
         include/cari.h lib/pkgconfig/cari.pc share/man/man1/cari-index.1 \
         share/man/man1/cari-search.1 \
         share/bash-completion/completions/cari-search; do
    [ -f "$P/$f" ]; ok $? "installs $f"
done
[ -x "$P/bin/cari-search" ] && [ -x "$P/bin/cari-index" ]; ok $? "the tools are executable"
is "$(readlink "$P/lib/libcari.so.$so")" "libcari.so.$sofull" "libcari.so.$so -> libcari.so.$sofull"
is "$(readlink "$P/lib/libcari.so")" "libcari.so.$so" "libcari.so -> libcari.so.$so"
is "$(readlink "$P/share/bash-completion/completions/cari-index")" "cari-search" \
    "completion for cari-index links to cari-search's file"
soname=$(objdump -p "$P/lib/libcari.so.$sofull" 2>/dev/null | awk '$1 == "SONAME" {print $2}')
[ -n "$soname" ] && is "$soname" "libcari.so.$so" "the shared library's soname"
like "$(cat "$P/lib/pkgconfig/cari.pc")" "^prefix=$PREFIX$" "cari.pc names the real prefix, not DESTDIR"
like "$(cat "$P/lib/pkgconfig/cari.pc")" "^Version: $version$" "cari.pc has the version"
like "$("$P/bin/cari-search" --version)" "cari-search $version" "the installed cari-search runs"
bash -n "$P/share/bash-completion/completions/cari-search"; ok $? "the completion file is valid bash"
out=$(bash -c ". '$P/share/bash-completion/completions/cari-search'; COMP_WORDS=(cari-search --fo); COMP_CWORD=1; _cari_search; echo \${COMPREPLY[*]}")
is "$out" "--format" "completion: --fo completes to --format"
if command -v man >/dev/null; then
    for m in cari-index cari-search; do
        out=$(MANWIDTH=80 man -l "$P/share/man/man1/$m.1" 2>&1 >/dev/null)
        is "$out" "" "man $m renders without warnings"
        like "$(MANWIDTH=80 man -l "$P/share/man/man1/$m.1" 2>/dev/null)" '^SYNOPSIS' "man $m has a synopsis"
    done
fi

# ---- pkg-config and a program built against the installed files ----
export PKG_CONFIG_PATH=$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$STAGE
flags=$(pkg-config --cflags --libs cari); rc=$?
is "$rc" 0 "pkg-config --cflags --libs cari"
like "$flags" "^-I$P/include +-L$P/lib +-lcari *$" "  gives the installed include and lib directories"
is "$(pkg-config --modversion cari)" "$version" "pkg-config --modversion cari"

cat > "$TMP/prog.c" <<'EOF'
/* Search an index with the installed libcari; print the best hit's id. */
#include <stdio.h>
#include <string.h>
#include <cari.h>

int main(int argc, char **argv)
{
    cari_index *ix;
    cari_hits *hits;
    cari_hit hit;
    cari_error err;
    int rc;
    if (argc != 3 || cari_index_open(argv[1], &ix, &err) != CARI_OK)
        return 2;
    rc = cari_search(ix, argv[2], strlen(argv[2]), NULL, &hits);
    if (rc == CARI_OK && cari_hits_get(hits, 0, &hit) == CARI_OK)
        printf("%.*s %s\n", (int)hit.id_len, hit.id, cari_version());
    cari_hits_free(hits);
    cari_index_close(ix);
    return rc == CARI_OK ? 0 : 1;
}
EOF
"$P/bin/cari-index" -q -i "$TMP/ix" "$ROOT/corpus"; ok $? "the installed cari-index indexes corpus/"
$CC_ -o "$TMP/prog" "$TMP/prog.c" $(pkg-config --cflags --libs cari) 2>"$TMP/cc.err"
ok $? "a program compiles and links against the shared library (pkg-config)"
sed 's/^/# /' "$TMP/cc.err" | head -5
out=$(LD_LIBRARY_PATH=$P/lib "$TMP/prog" "$TMP/ix" "banjir Jakarta")
is "$out" "berita-001 $version" "  and searches the index"
like "$(LD_LIBRARY_PATH=$P/lib ldd "$TMP/prog" 2>/dev/null)" "libcari\\.so\\.$so => $P/lib/libcari\\.so\\.$so" "  loading the installed libcari.so.$so"
$CC_ -o "$TMP/prog-static" "$TMP/prog.c" $(pkg-config --cflags cari) "$P/lib/libcari.a" \
    $(pkg-config --static --libs cari | sed 's/-lcari\b//') 2>"$TMP/cc.err"
ok $? "and against the static library (pkg-config --static)"
sed 's/^/# /' "$TMP/cc.err" | head -5
is "$("$TMP/prog-static" "$TMP/ix" "banjir Jakarta")" "berita-001 $version" "  which searches too"

# ---- uninstall ----
make -s -C "$ROOT" uninstall DESTDIR="$STAGE" PREFIX="$PREFIX" >/dev/null 2>&1
ok $? "make uninstall"
is "$(find "$STAGE" -type f -o -type l)" "" "  leaves no file behind"

done_testing
