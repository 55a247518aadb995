# cari -- full-text search for Indonesian article collections.
#
#   make              build bin/cari-index, bin/cari-search, lib/libcari.{a,so}
#   make test         build and run the whole test suite (TAP, via prove)
#   make check        the test suite under AddressSanitizer + UBSan
#   make bench        benchmarks (see bench/README.md)
#   make eval         relevance evaluation on ../shared/data (see docs/)
#   make install      PREFIX=/usr/local DESTDIR=
#   make clean
#
# Options: WERROR=1 (warnings are errors; CI sets it), SANITIZER=address,undefined,
#          OPT=-O2, BUILD=build (object directory).

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++
OPT     ?= -O2 -g
BUILD   ?= build
PKG_CONFIG ?= pkg-config

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifneq ($(SANITIZER),)
SAN = -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

DEPS_PC  = libutf8proc jansson zlib
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEPS_PC) 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs $(DEPS_PC) 2>/dev/null) -lstemmer -lm

CFLAGS_ALL = -std=c11 $(OPT) $(WARN) $(SAN) -fPIC -fvisibility=hidden \
             -Iinclude -Isrc $(DEPS_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

LIB_SRC = src/util.c src/utf8.c src/tokenizer.c src/stopwords.c \
          src/analyzer.c src/passage.c src/corpus.c src/codec.c \
          src/docstore.c src/segment.c src/index.c src/snippet.c \
          src/search.c src/errors.c
LIB_OBJ = $(LIB_SRC:src/%.c=$(BUILD)/%.o)

SOVERSION = 0
LIB_A  = lib/libcari.a
LIB_SO = lib/libcari.so.$(SOVERSION)
BINS   = bin/cari-index bin/cari-search

TEST_C   = $(wildcard tests/*_test.c)
TEST_BIN = $(TEST_C:tests/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check bench eval install uninstall clean
all: deps $(LIB_A) $(LIB_SO) lib/libcari.so $(BINS)

# One clear line per missing dependency instead of a compiler error.
deps:
	@for p in $(DEPS_PC); do $(PKG_CONFIG) --exists $$p || { \
	  echo "cari: missing $$p (see the README's install command)"; exit 1; }; done
	@test -f /usr/include/libstemmer.h || { \
	  echo "cari: missing libstemmer.h: apt-get install libstemmer-dev"; exit 1; }

$(BUILD)/%.o: src/%.c include/cari.h $(wildcard src/*.h) | $(BUILD)/cli
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/cli:
	@mkdir -p $@ $(BUILD)/tests lib bin

# lib/ and bin/ are shared by the normal build and make check's sanitizer
# build: a stamp names the object directory they were last made from, so
# switching between the two relinks them instead of leaving sanitizer
# objects behind for the other build.
BUILD_STAMP = lib/.built-from-$(subst /,_,$(BUILD))

$(BUILD_STAMP):
	@mkdir -p lib
	@rm -f lib/.built-from-*
	@touch $@

$(LIB_A): $(LIB_OBJ) $(BUILD_STAMP)
	@mkdir -p lib
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(LIB_SO): $(LIB_OBJ) $(BUILD_STAMP)
	@mkdir -p lib
	$(CC) -shared -Wl,-soname,libcari.so.$(SOVERSION) $(LDFLAGS_ALL) -o $@ $(LIB_OBJ) $(DEPS_LIBS)

lib/libcari.so: $(LIB_SO)
	ln -sf libcari.so.$(SOVERSION) $@

bin/cari-%: $(BUILD)/cli/cari_%.o $(LIB_A)
	@mkdir -p bin
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(LIB_A) $(DEPS_LIBS)

$(BUILD)/cli/%.o: src/cli/%.c include/cari.h | $(BUILD)/cli
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# ---- tests ----

$(BUILD)/tests/%: tests/%.c $(LIB_A) $(wildcard tests/*.h) | $(BUILD)/cli
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIB_A) $(DEPS_LIBS) -lcmocka $(LDFLAGS_ALL)

test: all $(TEST_BIN)
	@command -v prove >/dev/null || { echo "cari: 'prove' (perl) is needed to run the tests"; exit 1; }
	CARI_BUILD=$(BUILD) CMOCKA_MESSAGE_OUTPUT=TAP prove -f $(PROVE_FLAGS) $(TEST_BIN) tests/*.t

check:
	$(MAKE) BUILD=build-san SANITIZER=address,undefined OPT="-O1 -g" \
	  CARI_LIBS_SUFFIX=-san test

clean:
	rm -rf build build-san lib bin tests/tmp

# ---- install ----

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libcari.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libcari.so
	install -m 644 include/cari.h $(DESTDIR)$(PREFIX)/include/
