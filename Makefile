# zk: one non-recursive makefile. Every program is the *.c files of its own
# folder linked against build/libzk.a (everything in common/).
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
XCFLAGS  = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
           -Wno-unused-parameter -Icommon -MMD -MP
LDLIBS   = -lnanomsg -lcbor -llmdb -lm -lpthread
B       ?= build
BIN     ?= bin

DAEMONS  = zk-electd zk-zabd zk-treed zk-sessiond zk-gw
TOOLS    = zk-ctl zk zk-bench
PROGS    = $(DAEMONS) $(TOOLS)
BINS     = $(addprefix $(BIN)/,$(PROGS))

COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(BINS) $(BIN)/zk-cluster $(UNIT_BIN)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libzk.a: $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# bin/<prog> from <prog>/*.c
objs_of = $(patsubst %.c,$(B)/%.o,$(wildcard $(1)/*.c))
.SECONDEXPANSION:
$(BIN)/%: $$(call objs_of,$$*) $(B)/libzk.a
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(B)/libzk.a $(LDLIBS)

$(BIN)/zk-cluster: scripts/zk-cluster
	@mkdir -p $(BIN)
	cp $< $@ && chmod 755 $@

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libzk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libzk.a $(LDLIBS)

# AddressSanitizer + UBSan build, in its own trees (build-asan, bin-asan).
asan:
	$(MAKE) B=build-asan BIN=bin-asan OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined"

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

test: all
	tests/run.sh

bench: all
	scripts/bench.sh

deps:
	scripts/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) bin/zk-cluster $(DESTDIR)$(PREFIX)/bin/
	if ls docs/man/*.1 >/dev/null 2>&1; then \
	  install -m 644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi
	# Supervision files and the sample config, for the operator to copy
	# (systemd units name $(PREFIX)/bin in ExecStart).
	install -d $(DESTDIR)$(PREFIX)/share/zk/systemd
	install -m 644 etc/zoo.cfg.sample $(DESTDIR)$(PREFIX)/share/zk/
	for f in etc/systemd/*; do \
	  sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' $$f > $(DESTDIR)$(PREFIX)/share/zk/systemd/$${f##*/}; done
	for d in etc/sv/*; do \
	  install -d $(DESTDIR)$(PREFIX)/share/zk/sv/$${d##*/}/log && \
	  install -m 755 $$d/run $(DESTDIR)$(PREFIX)/share/zk/sv/$${d##*/}/run && \
	  install -m 755 $$d/log/run $(DESTDIR)$(PREFIX)/share/zk/sv/$${d##*/}/log/run; done

clean:
	rm -rf build build-asan build-clang bin bin-asan bin-clang

.PHONY: all asan unit test bench deps install clean
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
