# cari -- full-text search for Indonesian article collections.
#
#   make              build bin/cari-index, bin/cari-search, lib/libcari.{a,so}
#   make test         build and run the whole test suite (TAP, via prove)
#   make check        the test suite under AddressSanitizer + UBSan
#   make fuzz         libFuzzer targets, FUZZ_SECONDS (60) each (clang)
#   make fuzz-check   every fuzz seed once (the reproducers of fixed bugs)
#   make bench        benchmarks (see bench/README.md)
#   make eval         relevance evaluation on ../shared/data (see docs/)
#   make install      PREFIX=/usr/local DESTDIR=
#   make clean
#
# Options: WERROR=1 (warnings are errors; CI sets it), SANITIZER=address,undefined,
#          OPT=-O2, BUILD=build (objects), BINDIR=bin, LIBDIR=lib,
#          XAPIAN=no (build without the Xapian backend even if libxapian-dev
#          is installed; by default it is built when pkg-config finds it).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++
OPT     ?= -O2 -g
BUILD   ?= build
BINDIR  ?= bin
LIBDIR  ?= lib
PKG_CONFIG ?= pkg-config

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifneq ($(SANITIZER),)
SAN = -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

DEPS_PC  = libutf8proc jansson zlib libdeflate libisal
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS_PC) 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs $(DEPS_PC) 2>/dev/null) -lstemmer -lm -pthread

CFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) $(WARN) $(SAN) -fPIC -fvisibility=hidden -pthread \
             -Iinclude -Isrc $(DEPS_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

# The Xapian backend: src/xapian_backend.c over the C shim
# (include/xapian_c.h, src/xapian_shim.cc, the only C++ file) when
# pkg-config finds xapian-core; src/xapian_none.c (every entry point says
# "not built in") when it does not.
XAPIAN ?= auto
ifneq ($(XAPIAN),no)
XAPIAN_FOUND := $(shell $(PKG_CONFIG) --exists xapian-core 2>/dev/null && echo yes)
endif
ifeq ($(XAPIAN_FOUND),yes)
XAPIAN_CFLAGS := $(shell $(PKG_CONFIG) --cflags xapian-core)
XAPIAN_LIBS   := $(shell $(PKG_CONFIG) --libs xapian-core) -lstdc++
BACKEND_SRC   = src/xapian_backend.c
SHIM_OBJ      = $(BUILD)/xapian_shim.o
else
BACKEND_SRC   = src/xapian_none.c
SHIM_OBJ      =
ifeq ($(MAKELEVEL),0)
$(info cari: $(if $(filter no,$(XAPIAN)),XAPIAN=no,libxapian-dev not found): building without the Xapian backend)
endif
endif
DEPS_LIBS += $(XAPIAN_LIBS)

CXXFLAGS_ALL = -std=c++17 $(OPT) -Wall -Wextra -Wshadow $(if $(filter 1,$(WERROR)),-Werror) \
               $(SAN) -fPIC -fvisibility=hidden -Iinclude $(XAPIAN_CFLAGS) $(CXXFLAGS)

LIB_SRC = src/util.c src/utf8.c src/tokenizer.c src/stopwords.c \
          src/analyzer.c src/passage.c src/corpus.c src/codec.c \
          src/docstore.c src/segment.c src/index.c src/snippet.c \
          src/search.c src/errors.c src/stem.c src/query.c src/hits.c \
          src/writer.c src/filter.c src/suggest.c src/rank.c src/io.c \
          src/check.c $(BACKEND_SRC)
LIB_OBJ = $(LIB_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/gen/stem_dict.o \
          $(BUILD)/gen/ranking_model.o $(SHIM_OBJ)

# The stemmer's root dictionary is generated at build time from Debian's
# hunspell-id (nothing from it is kept in this repository).
HUNSPELL_DIC ?= /usr/share/hunspell/id_ID.dic
HUNSPELL_AFF ?= /usr/share/hunspell/id_ID.aff

# The shared library's ABI number: raised when a struct of cari.h that the
# library fills grows or a call changes (1: cari_writer_stats and
# cari_check_stats gained fields, 2026-12-01), so that a program built
# against an older cari.h fails to load instead of having its structs
# overrun.  The installed file is libcari.so.SOVERSION.MINOR.PATCH (the
# ABI's version, as libtool names it: MINOR grows with an addition that
# keeps old programs working, PATCH with a fix), not the release's
# version: libcari.so.1 -> libcari.so.1.0.0.
SOVERSION = 1
SOFULL = $(SOVERSION).0.0
LIB_A  = $(LIBDIR)/libcari.a
LIB_SO = $(LIBDIR)/libcari.so.$(SOVERSION)
BINS   = $(BINDIR)/cari-index $(BINDIR)/cari-search

TEST_C   = $(filter-out $(if $(SHIM_OBJ),,tests/xapian_%_test.c),$(wildcard tests/*_test.c))
TEST_BIN = $(TEST_C:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check bench bench-stem eval install uninstall clean \
        fuzz fuzz-build fuzz-targets fuzz-check
all: deps $(LIB_A) $(LIB_SO) $(LIBDIR)/libcari.so $(BINS)

# One clear line per missing dependency instead of a compiler error.
deps:
	@for p in $(DEPS_PC); do $(PKG_CONFIG) --exists $$p || { \
	  echo "cari: missing $$p (see the README's install command)"; exit 1; }; done
	@test -f /usr/include/libstemmer.h || { \
	  echo "cari: missing libstemmer.h: apt-get install libstemmer-dev"; exit 1; }

$(BUILD)/%.o: src/%.c include/cari.h include/xapian_c.h $(wildcard src/*.h) | $(BUILD)/.dirs
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/xapian_shim.o: src/xapian_shim.cc include/xapian_c.h | $(BUILD)/.dirs
	$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

$(BUILD)/.dirs:
	@mkdir -p $(BUILD)/cli $(BUILD)/tests $(BUILD)/gen $(LIBDIR) $(BINDIR) && touch $@

$(BUILD)/gen_stem_dict: src/gen/gen_stem_dict.c src/stem_dict.h | $(BUILD)/.dirs
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 $(WARN) -o $@ $<

$(BUILD)/gen/stem_dict.c: $(BUILD)/gen_stem_dict $(HUNSPELL_DIC) $(HUNSPELL_AFF)
	$(BUILD)/gen_stem_dict $(HUNSPELL_DIC) $(HUNSPELL_AFF) $@.tmp && mv $@.tmp $@

$(HUNSPELL_DIC) $(HUNSPELL_AFF):
	@echo "cari: $@ not found: apt-get install hunspell-id" >&2; exit 1

$(BUILD)/gen/stem_dict.o: $(BUILD)/gen/stem_dict.c src/stem_dict.h
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# The built-in ranking model (src/ranking.model, see docs/RANKING.md) is
# compiled into the library as text.
$(BUILD)/gen_embed: src/gen/gen_embed.c | $(BUILD)/.dirs
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(BUILD)/gen/ranking_model.c: src/ranking.model $(BUILD)/gen_embed
	$(BUILD)/gen_embed cari_ranking_model src/ranking.model $@.tmp && mv $@.tmp $@

$(BUILD)/gen/ranking_model.o: $(BUILD)/gen/ranking_model.c
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(LIBDIR)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	@mkdir -p $(LIBDIR)
	$(CC) -shared -Wl,-soname,libcari.so.$(SOVERSION) $(LDFLAGS_ALL) -o $@ $^ $(DEPS_LIBS)

$(LIBDIR)/libcari.so: $(LIB_SO)
	ln -sf libcari.so.$(SOVERSION) $@

$(BINDIR)/cari-%: $(BUILD)/cli/cari_%.o $(BUILD)/cli/cli_util.o $(LIB_A)
	@mkdir -p $(BINDIR)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIB_A) $(DEPS_LIBS)

# cari-search's printing (--fields, text wrapping, --stats) has a file of
# its own.
$(BINDIR)/cari-search: $(BUILD)/cli/cari_search.o $(BUILD)/cli/search_output.o \
                       $(BUILD)/cli/cli_util.o $(LIB_A)
	@mkdir -p $(BINDIR)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIB_A) $(DEPS_LIBS)

$(BUILD)/cli/%.o: src/cli/%.c include/cari.h $(wildcard src/cli/*.h) | $(BUILD)/.dirs
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# ---- tests ----

$(BUILD)/tests/%: tests/%.c $(LIB_A) $(wildcard tests/*.h) | $(BUILD)/.dirs
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIB_A) $(DEPS_LIBS) -lcmocka $(LDFLAGS_ALL)

# The failing-allocator test: every allocation function libcari calls, and
# every call of libc that allocates for it (opendir, fopen, fdopen, mmap),
# goes through the test's __wrap_* (tests/alloc_fail_test.c), which fails
# the k-th one.
ALLOC_WRAP = malloc calloc realloc strdup strndup posix_memalign \
             opendir fopen fdopen mmap
$(BUILD)/tests/alloc_fail_test: tests/alloc_fail_test.c $(LIB_A) $(wildcard tests/*.h) | $(BUILD)/.dirs
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIB_A) $(DEPS_LIBS) -lcmocka \
	  $(LDFLAGS_ALL) $(ALLOC_WRAP:%=-Wl,--wrap=%)

# Fault injection, for tests only: io.c again with -DCARI_FAULT_INJECTION
# (the one place that reads $CARI_FAULT, see src/io.h), linked ahead of
# libcari.a into a copy of cari-index; the shipped library never has it.
FAULT_DIR = $(BUILD)/fault
FAULT_OBJ = $(FAULT_DIR)/io.o

$(FAULT_OBJ): src/io.c src/io.h src/util.h include/cari.h | $(BUILD)/.dirs
	@mkdir -p $(FAULT_DIR)
	$(CC) $(CFLAGS_ALL) -DCARI_FAULT_INJECTION -c $< -o $@

$(FAULT_DIR)/cari-index: $(BUILD)/cli/cari_index.o $(BUILD)/cli/cli_util.o $(FAULT_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS_ALL) -o $@ $(BUILD)/cli/cari_index.o $(BUILD)/cli/cli_util.o $(FAULT_OBJ) $(LIB_A) $(DEPS_LIBS)

test: all $(TEST_BIN) $(FAULT_DIR)/cari-index
	@command -v prove >/dev/null || { echo "cari: 'prove' (perl) is needed to run the tests"; exit 1; }
	CARI_BIN=$(abspath $(BINDIR)) CARI_FAULT_BIN=$(abspath $(FAULT_DIR)) \
	  CARI_CC="$(CC) $(SAN)" \
	  CMOCKA_MESSAGE_OUTPUT=TAP prove -f $(PROVE_FLAGS) $(TEST_BIN) tests/*.t

# The whole suite again, built with AddressSanitizer and UBSan.  ASan's
# new/delete size check is off: libxapian 1.4.22's own checker
# (Xapian::Database::check, behind cari-index --check of a Xapian index)
# deletes a 440-byte object as a 432-byte one inside the library (the
# call xapian-check makes); nothing of cari's is involved.
check:
	ASAN_OPTIONS="$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}new_delete_type_mismatch=0" \
	$(MAKE) BUILD=build-san BINDIR=build-san/bin LIBDIR=build-san/lib \
	  SANITIZER=address,undefined OPT="-O1 -g" test

# Fuzzing with libFuzzer (clang; Debian: apt-get install clang
# libclang-rt-14-dev): the targets in tests/fuzz/*_fuzz.c are built with
# ASan and UBSan into build-fuzz/ (the library too, without Xapian), and
# make fuzz runs each for FUZZ_SECONDS from its seeds in
# tests/fuzz/seeds/TARGET; what they find new goes to
# build-fuzz/corpus/TARGET, a crash to build-fuzz/crash-TARGET-*.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = query jsonl text segment codec analyzer meta index
FUZZ_CC ?= clang

fuzz-build:
	$(MAKE) BUILD=build-fuzz BINDIR=build-fuzz/bin LIBDIR=build-fuzz/lib \
	  CC=$(FUZZ_CC) XAPIAN=no OPT="-O1 -g" \
	  SANITIZER=fuzzer-no-link,address,undefined fuzz-targets

fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%_fuzz)

$(BUILD)/fuzz/%_fuzz: tests/fuzz/%_fuzz.c tests/fuzz/fuzz_util.h tests/test_article.h \
                     tests/test_file.h $(LIB_A) | $(BUILD)/.dirs
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(CFLAGS_ALL) -D_XOPEN_SOURCE=700 -fsanitize=fuzzer \
	  -Wno-missing-prototypes -o $@ $< \
	  $(LIB_A) $(DEPS_LIBS) $(LDFLAGS_ALL)

# Every seed once (reproducers of fixed bugs are among them): seconds.
fuzz-check: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  build-fuzz/fuzz/$${t}_fuzz -runs=0 tests/fuzz/seeds/$$t 2>&1 | \
	    grep -E 'ERROR|runtime error|DONE' | sed "s/^/$$t: /"; \
	  build-fuzz/fuzz/$${t}_fuzz -runs=0 tests/fuzz/seeds/$$t >/dev/null 2>&1 || exit 1; \
	done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$$t- \
	    build-fuzz/corpus/$$t tests/fuzz/seeds/$$t || exit 1; \
	done

# Stemming accuracy on the gold files and throughput, Snowball vs cari.
DATA ?= ../shared/data
bench-stem: $(BUILD)/stem_eval $(BUILD)/analyzer_bench
	$(BUILD)/stem_eval --data $(DATA) --corpus $(DATA)/corpus/clickid_news.jsonl.gz
	$(BUILD)/analyzer_bench $(DATA)/corpus/clickid_news.jsonl.gz 5

$(BUILD)/analyzer_bench: bench/analyzer_bench.c $(LIB_A)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_A) $(DEPS_LIBS) $(LDFLAGS_ALL)

$(BUILD)/stem_eval: bench/stem_eval.c $(LIB_A)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_A) $(DEPS_LIBS) $(LDFLAGS_ALL)

# The body lists of a segment keyed by article instead of by passage
# (docs/BENCHMARKS.md): build/postings_shape SEGMENT.cari
$(BUILD)/postings_shape: bench/postings_shape.c $(LIB_A)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_A) $(DEPS_LIBS) $(LDFLAGS_ALL)

# What articles' analyses take (docs/DESIGN.md): build/analysis_size CORPUS
$(BUILD)/analysis_size: bench/analysis_size.c $(LIB_A)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_A) $(DEPS_LIBS) $(LDFLAGS_ALL)

eval: all
	bench/eval.sh

# Speed and size against the peers (../shared/bench) and the Xapian backend
# in one run, then cost growth at 1x/3x/10x and the stemming benchmark.
# Results: bench/results/, docs/BENCHMARKS.md (with RECORD=1).
bench: all bench-stem
	bench/run.sh $(if $(RECORD),--record)
	bench/scale.sh $(if $(RECORD),--record)
	bench/updates.sh $(if $(RECORD),--record)

clean:
	rm -rf build build-san build-fuzz lib bin tests/tmp

# ---- install ----
#
# make install PREFIX=/usr/local DESTDIR=/tmp/stage: the tools, the library
# (static, and shared as libcari.so.SOFULL with the libcari.so.SOVERSION
# and libcari.so links), cari.h, a pkg-config file (cari.pc), the man pages
# and bash completion.  The directories follow the GNU names and can be set
# one by one (libdir=$(PREFIX)/lib/x86_64-linux-gnu...).

VERSION := $(shell sed -n 's/^\#define CARI_VERSION_STRING "\(.*\)"/\1/p' include/cari.h)
bindir      ?= $(PREFIX)/bin
libdir      ?= $(PREFIX)/lib
includedir  ?= $(PREFIX)/include
mandir      ?= $(PREFIX)/share/man
pkgconfigdir ?= $(libdir)/pkgconfig
bashcompdir ?= $(PREFIX)/share/bash-completion/completions
MANPAGES = docs/man/cari-index.1 docs/man/cari-search.1

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) \
	  $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(bashcompdir)
	install -m 755 $(BINS) $(DESTDIR)$(bindir)/
	install -m 644 $(LIB_A) $(DESTDIR)$(libdir)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(libdir)/libcari.so.$(SOFULL)
	ln -sf libcari.so.$(SOFULL) $(DESTDIR)$(libdir)/libcari.so.$(SOVERSION)
	ln -sf libcari.so.$(SOVERSION) $(DESTDIR)$(libdir)/libcari.so
	install -m 644 include/cari.h $(if $(SHIM_OBJ),include/xapian_c.h) $(DESTDIR)$(includedir)/
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(libdir)' \
	  'includedir=$(includedir)' '' 'Name: cari' \
	  'Description: Full-text search for Indonesian article collections' \
	  'Version: $(VERSION)' \
	  'Libs: -L$${libdir} -lcari' 'Libs.private: $(strip $(DEPS_LIBS))' \
	  'Cflags: -I$${includedir}' > $(DESTDIR)$(pkgconfigdir)/cari.pc
	chmod 644 $(DESTDIR)$(pkgconfigdir)/cari.pc
	install -m 644 $(MANPAGES) $(DESTDIR)$(mandir)/man1/
	install -m 644 docs/completion/cari.bash $(DESTDIR)$(bashcompdir)/cari-search
	ln -sf cari-search $(DESTDIR)$(bashcompdir)/cari-index

uninstall:
	rm -f $(DESTDIR)$(bindir)/cari-index $(DESTDIR)$(bindir)/cari-search \
	  $(DESTDIR)$(libdir)/libcari.a $(DESTDIR)$(libdir)/libcari.so \
	  $(DESTDIR)$(libdir)/libcari.so.$(SOVERSION) \
	  $(DESTDIR)$(libdir)/libcari.so.$(SOFULL) \
	  $(DESTDIR)$(libdir)/libcari.so.$(VERSION) \
	  $(DESTDIR)$(includedir)/cari.h $(DESTDIR)$(includedir)/xapian_c.h \
	  $(DESTDIR)$(pkgconfigdir)/cari.pc \
	  $(DESTDIR)$(mandir)/man1/cari-index.1 \
	  $(DESTDIR)$(mandir)/man1/cari-search.1 \
	  $(DESTDIR)$(bashcompdir)/cari-search $(DESTDIR)$(bashcompdir)/cari-index
