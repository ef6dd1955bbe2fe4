# Ember build.  `make` builds ./ember (release) and ember.so (the same library
# as a Lua module for plain lua5.4), `make install` installs both and the man
# page, `make test` installs what is
# missing, builds and runs the specs, `make debug` builds ./ember-debug with
# AddressSanitizer and UndefinedBehaviorSanitizer, `make bench` runs the
# benchmarks.  Sources are found by wildcard: add a file, it is built.

CC      ?= cc
# ompi-c: Open MPI for engine/dist/ (data parallelism under mpirun; without
# a launcher Ember makes no MPI call, see engine/dist/dist.h).
ENGINE_PKGS := libzip openblas libcurl libcrypto libarchive ompi-c hdf5
# -march=native by default; `make PORTABLE=1` builds for any x86-64-v2 CPU.
ifeq ($(PORTABLE),1)
ARCHFLAGS := -march=x86-64-v2
else
ARCHFLAGS := $(shell $(CC) -march=native -E -x c /dev/null >/dev/null 2>&1 && echo -march=native)
endif
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
# The engine compiles without the Lua include path, so an #include <lua.h>
# in engine/ fails to build; only bindings/ (and the embedded Lua) see Lua.
ENGINE_INC   := $(shell pkg-config --cflags $(ENGINE_PKGS) 2>/dev/null) -I/usr/include/plplot
# LUA_INCDIR (given by luarocks) overrides pkg-config's Lua include path.
LUA_CFLAGS   := $(if $(LUA_INCDIR),-I$(LUA_INCDIR),$(shell pkg-config --cflags lua5.4 2>/dev/null))
BINDINGS_INC := $(ENGINE_INC) $(LUA_CFLAGS)
SRC_INC       = $(if $(filter engine/%,$<),$(ENGINE_INC),$(BINDINGS_INC))
PKG_LIBS     := $(shell pkg-config --libs lua5.4 $(ENGINE_PKGS) 2>/dev/null)
# -MMD -MP: each object depends on the headers it includes (the .d files
# included at the end), so touching one header rebuilds only its users.
CFLAGS_COMMON = -std=gnu11 $(WARN) -fPIC -MMD -MP $(EXTRA_CFLAGS)
LDLIBS  = $(PKG_LIBS) -lreadline -lutf8proc -lplplot -lm -lpthread $(EXTRA_LIBS)

RELEASE_CFLAGS := -O3 $(ARCHFLAGS) -ffp-contract=fast -DNDEBUG
DEBUG_CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

ENGINE_SRC   := $(shell find engine -name '*.c' | sort)
BINDINGS_SRC := $(filter-out bindings/tools_embed_lua.c,$(wildcard bindings/*.c))
# The two front doors: the host's own files go only into ./ember, the
# module's (luaopen_ember) only into ember.so; the rest is shared.
HOST_SRC     := bindings/main.c bindings/host.c bindings/repl.c
MODULE_SRC   := bindings/module.c
LIBRARY_SRC  := $(filter-out $(HOST_SRC) $(MODULE_SRC),$(BINDINGS_SRC))
LUA_SRC      := $(shell find bindings/lua -name '*.lua' | sort)

.PHONY: docs all module install install-module uninstall debug test check valgrind fuzz fuzz-build fuzz-h5 bench deps clean datasets demo specs reproduce

all: ember ember.so

# make docs: the API reference (docs/api/README.md, index.html and the help()
# index bindings/lua/ember/api_index.lua) from the doc comments; ember is
# rebuilt afterwards so help() embeds the new index.
docs: ember
	./ember scripts/tools/gen_api.lua
	@$(MAKE) --no-print-directory ember

deps:
	@bash vendor/install.sh

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SRC_INC) $(RELEASE_CFLAGS) -c $< -o $@

build-debug/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SRC_INC) $(DEBUG_CFLAGS) -c $< -o $@

# The engine is its own static library; the binaries link the bindings
# objects against it.
%/libember_engine.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

build/embed_lua: bindings/tools_embed_lua.c
	@mkdir -p build
	$(CC) -O2 -o $@ $<

build/lua_modules.c: build/embed_lua $(LUA_SRC)
	build/embed_lua bindings/lua $(LUA_SRC) > $@.tmp && mv $@.tmp $@

# The optimizer kernels' sqrtf vectorizes only without errno semantics
# (their arguments are never negative).
build/engine/train/optimizers.o build-debug/engine/train/optimizers.o: CFLAGS_COMMON += -fno-math-errno

ENGINE_OBJS       := $(patsubst %.c,build/%.o,$(ENGINE_SRC))
DEBUG_ENGINE_OBJS := $(patsubst %.c,build-debug/%.o,$(ENGINE_SRC))
LIBRARY_OBJS := $(patsubst %.c,build/%.o,$(LIBRARY_SRC)) build/lua_modules.o
OBJS       := $(LIBRARY_OBJS) $(patsubst %.c,build/%.o,$(HOST_SRC))
MODULE_OBJS := $(LIBRARY_OBJS) $(patsubst %.c,build/%.o,$(MODULE_SRC))
DEBUG_OBJS := $(patsubst %.c,build-debug/%.o,$(LIBRARY_SRC) $(HOST_SRC)) build-debug/lua_modules.o
build/libember_engine.a: $(ENGINE_OBJS)
build-debug/libember_engine.a: $(DEBUG_ENGINE_OBJS)

build/lua_modules.o: build/lua_modules.c bindings/ember_modules.h
	$(CC) $(CFLAGS_COMMON) $(BINDINGS_INC) -O1 -c $< -o $@

build-debug/lua_modules.o: build/lua_modules.c bindings/ember_modules.h
	@mkdir -p build-debug
	$(CC) $(CFLAGS_COMMON) $(BINDINGS_INC) -O1 -c $< -o $@

ember: $(OBJS) build/libember_engine.a
	$(CC) -o $@ $^ $(LDLIBS)

# ember.so: the same objects as a Lua C module.  It links no Lua library
# (the interpreter that loads it provides the symbols: Debian's lua5.4 is
# linked statically and exports them) and no readline (the REPL is the
# host's).  It exports only luaopen_ember (bindings/module.map).
# -z nodelete: lua_close dlcloses C modules, but the engine's pool workers,
# OpenBLAS's threads and the FTZ signal handler outlive the Lua state; the
# code they run must stay mapped until the process exits.
MODULE_LDLIBS = $(filter-out -llua5.4 -lreadline,$(LDLIBS))
ember.so: $(MODULE_OBJS) build/libember_engine.a bindings/module.map
	$(CC) -shared -o $@ $(MODULE_OBJS) build/libember_engine.a $(MODULE_LDLIBS) \
	  -Wl,-z,nodelete \
	  -Wl,--version-script=bindings/module.map

module: ember.so

ember-debug: $(DEBUG_OBJS) build-debug/libember_engine.a
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LDLIBS)

debug: ember-debug

# The specs run under ./ember; busted re-executes itself with --lua.
BUSTED_FLAGS ?= --output=specs/support/summary_output.lua
specs: ember ember.so
	busted --lua=./ember $(BUSTED_FLAGS) specs

test: deps
	@$(MAKE) --no-print-directory ember ember.so
	busted --lua=./ember $(BUSTED_FLAGS) specs

# make check: the whole suite under ASan+UBSan, leaks included.  The only
# leaks LeakSanitizer reports are fontconfig's font cache (loaded by cairo
# through PLplot, kept for the process lifetime): suppressed in
# specs/support/lsan.supp, every other leak fails the run.
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
          LSAN_OPTIONS=suppressions=$(CURDIR)/specs/support/lsan.supp:print_suppressions=0 \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
check: deps
	@$(MAKE) --no-print-directory ember-debug ember.so
	$(SAN_ENV) busted --lua=./ember-debug $(BUSTED_FLAGS) specs

# make valgrind: memcheck on a representative subset (tensors, I/O, layers,
# a small fit, text and the misuse table); a memcheck error fails the run.
# Valgrind cannot decode AVX-512, so it runs ./ember-vg: -O1 -g for x86-64-v2.
VG_ENGINE_OBJS := $(patsubst %.c,build-vg/%.o,$(ENGINE_SRC))
VG_OBJS := $(patsubst %.c,build-vg/%.o,$(LIBRARY_SRC) $(HOST_SRC)) build/lua_modules.o
build-vg/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SRC_INC) -O1 -g -march=x86-64-v2 -c $< -o $@
build-vg/libember_engine.a: $(VG_ENGINE_OBJS)
ember-vg: $(VG_OBJS) build-vg/libember_engine.a
	$(CC) -o $@ $^ $(LDLIBS)

VALGRIND_SPECS ?= specs/tensor_core_spec.lua specs/tensor_io_spec.lua specs/layers_core_spec.lua \
                  specs/train_spec.lua specs/text_tokenizer_spec.lua specs/data_csv_spec.lua \
                  specs/recurrent_cells_spec.lua specs/misuse_spec.lua
VALGRIND_FLAGS := --tool=memcheck --error-exitcode=99 --errors-for-leak-kinds=none \
                  --suppressions=$(CURDIR)/specs/support/valgrind.supp --quiet
valgrind: deps
	@$(MAKE) --no-print-directory ember-vg
	@for f in $(VALGRIND_SPECS); do \
	  test -f $$f || continue; echo "valgrind: $$f"; \
	  EMBER_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell valgrind $(VALGRIND_FLAGS) \
	    ./ember-vg $$(command -v busted) $(BUSTED_FLAGS) $$f || exit 1; \
	done

# make fuzz: libFuzzer harnesses (specs/fuzz/fuzz_*.c) over the engine built
# with clang, ASan and UBSan; each runs FUZZ_SECONDS from the seed corpus in
# specs/fuzz/corpus/<harness>/ (read only: new inputs go to
# build-fuzz/corpus/<harness>/, crashes to build-fuzz/crashes/).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# FUZZ_RUNS / FUZZ_SEED: a fixed seed and run count make a fuzz run
# repeatable (CI uses them, so a run that passed here passes there);
# the defaults (-1 runs, seed 0) fuzz for FUZZ_SECONDS with a random seed.
FUZZ_RUNS    ?= -1
FUZZ_SEED    ?= 0
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_HARNESSES := $(patsubst specs/fuzz/%.c,%,$(wildcard specs/fuzz/fuzz_*.c))
FUZZ_OBJS    := $(patsubst %.c,build-fuzz/%.o,$(ENGINE_SRC))

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_COMMON) $(ENGINE_INC) $(ARCHFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# The harnesses see only the engine, like the engine itself.
build-fuzz/bin/%: specs/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_COMMON) -MF $@.d -MT $@ $(ENGINE_INC) $(ARCHFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

.SECONDARY: $(FUZZ_OBJS)
fuzz-build: $(addprefix build-fuzz/bin/,$(FUZZ_HARNESSES))

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@mkdir -p build-fuzz/crashes
	@for h in $(FUZZ_HARNESSES); do \
	  mkdir -p build-fuzz/corpus/$$h; \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	  build-fuzz/bin/$$h -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED) -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$$h- \
	    build-fuzz/corpus/$$h specs/fuzz/corpus/$$h 2> build-fuzz/$$h.log \
	    || { tail -60 build-fuzz/$$h.log; exit 1; }; \
	  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' build-fuzz/$$h.log | tr '\n' ' '; \
	  echo "corpus: $$(ls build-fuzz/corpus/$$h | wc -l) files"; \
	done

# make fuzz-h5: the Keras .h5 reader (specs/fuzz/libhdf5_fuzz_h5.c), kept out
# of `make fuzz` because Debian's libhdf5 1.10.8 itself overflows and leaks
# on corrupted metadata (see the harness; load_weights therefore runs libhdf5 in
# a child process); opt-in, to watch libhdf5 and Ember's checks after it.
fuzz-h5: deps
	@$(MAKE) --no-print-directory build-fuzz/bin/libhdf5_fuzz_h5
	@mkdir -p build-fuzz/crashes build-fuzz/corpus/libhdf5_fuzz_h5
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	  build-fuzz/bin/libhdf5_fuzz_h5 -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	  -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/libhdf5_fuzz_h5- \
	  build-fuzz/corpus/libhdf5_fuzz_h5 specs/fuzz/corpus/libhdf5_fuzz_h5

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
# The data: datasets/ when it has it; else linked from $(EMBER_SHARED)/datasets
# (or ../../shared when EMBER_SHARED is not given) when that exists; else the
# IMDB loader downloads aclImdb_v1.tar.gz once into the cache
# ($EMBER_HOME/datasets, default ~/.ember/datasets) through
# ember.utils.get_file, verifies and unpacks it (EMBER_DATASETS_URL: a mirror).
# Offline and without data, it prints the URL and where to put the file, and
# fails.
demo: deps
	@$(MAKE) --no-print-directory ember
	@if ! test -e datasets/aclImdb.zip; then \
	  if test -d "$(EMBER_SHARED)/datasets"; then $(MAKE) --no-print-directory datasets; \
	  elif test "$(origin EMBER_SHARED)" = file && test -d ../../shared/datasets; then \
	    $(MAKE) --no-print-directory datasets EMBER_SHARED=../../shared; \
	  else echo "demo: no local data folder; the IMDB loader fetches the data into the cache (ember.utils.get_file)"; fi; \
	fi
	./ember scripts/ch06/6-7_imdb_embedding_dense.lua --out out/demo
	@echo "demo: the plots are out/demo/6-7_acc.png and out/demo/6-7_loss.png"

# make install PREFIX=/usr/local DESTDIR=: the host, the module where
# lua5.4's default package.cpath looks ($(PREFIX)/lib/lua/5.4), the man page.
# luarocks (ember-scm-1.rockspec) runs `make module` and `make install-module
# LUA_CMOD_DIR=<its tree>`.
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LUA_CMOD_DIR ?= $(PREFIX)/lib/lua/5.4
MANDIR       ?= $(PREFIX)/share/man
install: ember ember.so install-module
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1"
	install -m 755 ember "$(DESTDIR)$(BINDIR)/ember"
	install -m 644 docs/ember.1 "$(DESTDIR)$(MANDIR)/man1/ember.1"

install-module: ember.so
	install -d "$(DESTDIR)$(LUA_CMOD_DIR)"
	install -m 755 ember.so "$(DESTDIR)$(LUA_CMOD_DIR)/ember.so"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/ember" "$(DESTDIR)$(LUA_CMOD_DIR)/ember.so" "$(DESTDIR)$(MANDIR)/man1/ember.1"

clean:
	rm -rf build build-debug build-fuzz build-vg ember ember.so ember-debug ember-vg

-include $(shell find build build-debug build-vg build-fuzz -name '*.d' 2>/dev/null)
