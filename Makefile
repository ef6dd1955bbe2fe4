# Ember build.  `make` builds ./ember (release), `make test` installs what is
# missing, builds and runs the specs, `make debug` builds ./ember-debug with
# AddressSanitizer and UndefinedBehaviorSanitizer, `make bench` runs the
# benchmarks.  Sources are found by wildcard: add a file, it is built.

CC      ?= cc
PKGS    := lua5.4 libzip openblas
# -march=native by default; `make PORTABLE=1` builds for any x86-64-v2 CPU.
ifeq ($(PORTABLE),1)
ARCHFLAGS := -march=x86-64-v2
else
ARCHFLAGS := $(shell $(CC) -march=native -E -x c /dev/null >/dev/null 2>&1 && echo -march=native)
endif
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_COMMON = -std=gnu11 $(WARN) -fPIC $(PKG_CFLAGS) -I/usr/include/plplot $(EXTRA_CFLAGS)
LDLIBS  = $(PKG_LIBS) -lreadline -lutf8proc -lplplot -lm -lpthread $(EXTRA_LIBS)

RELEASE_CFLAGS := -O3 $(ARCHFLAGS) -ffp-contract=fast -DNDEBUG
DEBUG_CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

ENGINE_SRC   := $(shell find engine -name '*.c' | sort)
BINDINGS_SRC := $(filter-out bindings/tools_embed_lua.c,$(wildcard bindings/*.c))
LUA_SRC      := $(shell find bindings/lua -name '*.lua' | sort)
HEADERS      := $(shell find engine bindings -name '*.h')

.PHONY: all debug test check bench deps clean datasets demo specs reproduce

all: ember

deps:
	@bash vendor/install.sh

build/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(RELEASE_CFLAGS) -c $< -o $@

build-debug/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(DEBUG_CFLAGS) -c $< -o $@

build/embed_lua: bindings/tools_embed_lua.c
	@mkdir -p build
	$(CC) -O2 -o $@ $<

build/lua_modules.c: build/embed_lua $(LUA_SRC)
	build/embed_lua bindings/lua $(LUA_SRC) > $@.tmp && mv $@.tmp $@

# The optimizer kernels' sqrtf vectorizes only without errno semantics
# (their arguments are never negative).
build/engine/train/optimizers.o build-debug/engine/train/optimizers.o: CFLAGS_COMMON += -fno-math-errno

OBJS       := $(patsubst %.c,build/%.o,$(ENGINE_SRC) $(BINDINGS_SRC)) build/lua_modules.o
DEBUG_OBJS := $(patsubst %.c,build-debug/%.o,$(ENGINE_SRC) $(BINDINGS_SRC)) build-debug/lua_modules.o

build/lua_modules.o: build/lua_modules.c bindings/ember_modules.h
	$(CC) $(CFLAGS_COMMON) -O1 -c $< -o $@

build-debug/lua_modules.o: build/lua_modules.c bindings/ember_modules.h
	@mkdir -p build-debug
	$(CC) $(CFLAGS_COMMON) -O1 -c $< -o $@

ember: $(OBJS)
	$(CC) -o $@ $(OBJS) $(LDLIBS)

ember-debug: $(DEBUG_OBJS)
	$(CC) -fsanitize=address,undefined -o $@ $(DEBUG_OBJS) $(LDLIBS)

debug: ember-debug

# The specs run under ./ember; busted re-executes itself with --lua.
BUSTED_FLAGS ?= --output=specs/support/summary_output.lua
specs: ember
	busted --lua=./ember $(BUSTED_FLAGS) specs

test: deps
	@$(MAKE) --no-print-directory ember
	busted --lua=./ember $(BUSTED_FLAGS) specs

check: deps
	@$(MAKE) --no-print-directory ember-debug
	ASAN_OPTIONS=detect_leaks=0 busted --lua=./ember-debug $(BUSTED_FLAGS) specs

bench: deps
	@$(MAKE) --no-print-directory ember
	./ember scripts/bench/run.lua $(BENCH)

# make datasets: link the shared data files into ./datasets, where the
# loaders look first.  They come from $(EMBER_SHARED)/datasets; EMBER_SHARED
# defaults to ../shared (CI clones the repository beside shared/).
EMBER_SHARED ?= ../shared
datasets:
	@test -d "$(EMBER_SHARED)/datasets" || { echo "make datasets: no folder $(EMBER_SHARED)/datasets (set EMBER_SHARED=/path/to/shared)" >&2; exit 1; }
	@mkdir -p datasets
	@for f in "$(EMBER_SHARED)"/datasets/*; do ln -sfn "$$(realpath "$$f")" datasets/; done
	@ls -l datasets

# make reproduce: every chapter-6 listing at the book's settings (hours on
# two cores), then out/ch06/RESULTS.md beside the book's figures.
# REPRODUCE_ARGS passes options to the runner, e.g.
#   make reproduce REPRODUCE_ARGS='--only 6-23,6-27'   (a subset)
#   make reproduce REPRODUCE_ARGS='--resume'           (skip listings already done)
#   make reproduce REPRODUCE_ARGS='--table'            (only rewrite RESULTS.md)
reproduce: ember
	@test -e datasets/aclImdb.zip || $(MAKE) --no-print-directory datasets || \
	  $(MAKE) --no-print-directory datasets EMBER_SHARED=../../shared
	./ember scripts/reproduce/ch06.lua $(REPRODUCE_ARGS)

# make demo: install what is missing, build, put the data in place, and
# train listing 6-7 (IMDB, Embedding + Dense, 10 epochs: about a minute).
demo: deps
	@$(MAKE) --no-print-directory ember
	@test -e datasets/aclImdb.zip || $(MAKE) --no-print-directory datasets || \
	  $(MAKE) --no-print-directory datasets EMBER_SHARED=../../shared
	./ember scripts/ch06/6-7_imdb_embedding_dense.lua --out out/demo
	@echo "demo: the plots are out/demo/6-7_acc.png and out/demo/6-7_loss.png"

clean:
	rm -rf build build-debug ember ember-debug
