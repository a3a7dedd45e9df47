# SPDX-License-Identifier: GPL-2.0
#
# make           build build/bpfprom (BPF object, skeleton, exporter)
# make deps      install the Debian packages that are missing (root)
# make cross-arm64  build build/arm64/bpfprom (and workloads) with Debian's arm64 cross compiler
# make run       deps + build + run on config/default.yaml
# make test      deps + build + every test (unit, format, integration, lifecycle, examples, e2e,
#                deploy, vm, load, valgrind, asan)
# make deploy    the deploy/ files: Kubernetes, systemd, Dockerfile, Prometheus, Grafana
# make test-vm   the guest tests in Debian's 6.1 and 6.12 kernels and 6.1 arm64 under qemu (root)
# make asan      ASan+UBSan build under build/asan, and its unit and integration tests
# make load      the load suite with 60 s of wrk (make test runs it for 10 s), the churn soak
#                of 100,000 processes over 10 min (make test: 2,000 in 20 s), and valgrind
# make fuzz      each libFuzzer target of tests/fuzz for FUZZ_TIME seconds (default 60)
# make format    reformat the sources with .clang-format
# make bench     benchmarks (root): tables in markdown; BENCH=percpu selects one,
#                BENCH_QUICK=1 a short run (see tests/bench/run.sh)
# V=1            show the commands

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
# BPF ISA v3 (32-bit registers and jumps, kernel >= 5.1): about a fifth fewer
# instructions per event than the default v1 (README: Performance)
BPF_CPU ?= -mcpu=v3
CLANG_FORMAT ?= clang-format
BUILD ?= build
# the architecture the compiler builds for (not the machine's: make
# cross-arm64 sets CC), as the kernel and bpf_tracing.h spell it
ARCH := $(shell $(CC) -dumpmachine | sed 's/-.*//;s/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
PKG_CONFIG ?= pkg-config

VERSION := 0.1.0
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS ?= -O2 -g
SAN_FLAGS :=
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
PKGS := libbpf libmicrohttpd yaml-0.1 libelf zlib libprotobuf-c gnutls libcrypt libcap
EXTRA_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-D_GNU_SOURCE -I$(BUILD) -I$(BUILD)/proto -Iexporter -Ibpf \
	-DBPFPROM_VERSION='"$(VERSION)"' -DBPFPROM_REVISION='"$(REVISION)"' \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(SAN_FLAGS)
LDLIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lbpf -lmicrohttpd -lyaml -lelf -lz -lprotobuf-c -lgnutls -lcrypt -lcap) -lm -lpthread
LDFLAGS += $(SAN_FLAGS)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all deps deps-test cross-arm64 cross-arm64-all bpf-objs run test unit integration deploy test-vm load asan fuzz fuzz-build format format-check \
	spdx-check bpf-arch-check clean bench

EXPORTER_SRCS := $(sort $(wildcard exporter/*.c exporter/*/*.c))
EXPORTER_HDRS := $(wildcard exporter/*.h exporter/*/*.h)
PROTO_OBJS := $(BUILD)/obj/proto/metrics.pb-c.o $(BUILD)/obj/proto/timestamp.pb-c.o
EXPORTER_OBJS := $(patsubst exporter/%.c,$(BUILD)/obj/%.o,$(EXPORTER_SRCS)) $(PROTO_OBJS)
LIB_OBJS := $(filter-out $(BUILD)/obj/main.o,$(EXPORTER_OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# the unit tests of another architecture's generated tables: they need its
# headers (linux-libc-dev:arm64, installed for make test), so make unit and
# make test build them, make all (and so make run) does not
ARCH_UNIT_BINS := $(BUILD)/unit/test_syscalls_arm64
UNIT_BINS := $(filter-out $(ARCH_UNIT_BINS),$(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS)))
WORKLOAD_SRCS := $(sort $(wildcard tests/workload/*.c))
WORKLOAD_BINS := $(patsubst tests/workload/%.c,$(BUILD)/workload/%,$(WORKLOAD_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)

all: $(BUILD)/bpfprom $(UNIT_BINS) $(WORKLOAD_BINS) $(BUILD)/deploy/yaml2json

# The generic BPF program: built once, specialised per group of metrics at
# load time. -g is for BTF; its DWARF (1.6 MB) would be embedded for nothing.
# Two builds of it: bpfprom (groups of 2 to 8 metrics) and bpfprom_one (a
# group of one, most of them: a fraction of the code, so a fraction of the
# time libbpf takes to open it, once per group at start-up).
# BPF objects depend only on the architecture (not on CC, SAN or BUILD): one
# tree of them under build/bpf/ARCH that the build, the sanitizer build, the
# arm64 cross build and bpf-arch-check share (each compile is over a minute
# of CPU: make test compiled the same object ten times before)
BPF_OUT ?= build/bpf
BPF_DIR = $(BPF_OUT)/$(ARCH)
$(BPF_DIR)/bpfprom_one.bpf.o: BPF_DEFS := -DBPFPROM_ONE_SLOT
# a third, for a metric with series_map: shared (a group of one, atomic adds)
$(BPF_DIR)/bpfprom_shared.bpf.o: BPF_DEFS := -DBPFPROM_ONE_SLOT -DBPFPROM_SHARED_SERIES
$(BPF_DIR)/bpfprom.bpf.o $(BPF_DIR)/bpfprom_one.bpf.o $(BPF_DIR)/bpfprom_shared.bpf.o: bpf/bpfprom.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf $(BPF_CPU) -D__TARGET_ARCH_$(ARCH) $(BPF_DEFS) -Wall -Werror \
		-I/usr/include/$(MULTIARCH) -Ibpf -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/%.skel.h: $(BPF_DIR)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@
.SECONDARY: $(BUILD)/bpfprom.skel.h $(BUILD)/bpfprom_one.skel.h $(BUILD)/bpfprom_shared.skel.h

# the table of the architecture CC builds for, from the <asm/unistd.h> it sees
$(BUILD)/syscalls.h: tools/gen-syscalls.sh $(wildcard /usr/include/$(MULTIARCH)/asm/unistd*.h)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sh $< $(CC) > $@

# build_info's revision is compiled into main.o, scrape.o and landing.o: they are
# rebuilt when HEAD moves (the stamp changes only then).
$(BUILD)/revision: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(REVISION)' | cmp -s - $@ || echo '$(REVISION)' >$@
$(BUILD)/obj/main.o $(BUILD)/obj/scrape/scrape.o $(BUILD)/obj/web/landing.o: $(BUILD)/revision
FORCE:

# Every user object depends on the skeleton so that it is generated first.
$(BUILD)/obj/%.o: exporter/%.c $(EXPORTER_HDRS) $(BPF_HDRS) $(BUILD)/bpfprom.skel.h \
		$(BUILD)/bpfprom_one.skel.h $(BUILD)/bpfprom_shared.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

# Prometheus's data model (metrics.proto from Debian's
# golang-github-prometheus-client-model-dev, which imports the well-known
# timestamp.proto of libprotobuf-dev) compiled to C by protoc-c.
PROTO_ROOT ?= /usr/share/gocode/src/github.com/prometheus/client_model
PROTO_INC ?= /usr/include
PROTOC_C ?= protoc-c
PROTO_GEN := $(BUILD)/proto/io/prometheus/client/metrics.pb-c.c \
	$(BUILD)/proto/io/prometheus/client/metrics.pb-c.h \
	$(BUILD)/proto/google/protobuf/timestamp.pb-c.c $(BUILD)/proto/google/protobuf/timestamp.pb-c.h

$(PROTO_GEN) &: $(PROTO_ROOT)/io/prometheus/client/metrics.proto
	$(call msg,PROTOC-C,$(BUILD)/proto)
	$(Q)mkdir -p $(BUILD)/proto
	$(Q)$(PROTOC_C) --c_out=$(BUILD)/proto -I$(PROTO_ROOT) -I$(PROTO_INC) \
		io/prometheus/client/metrics.proto google/protobuf/timestamp.proto

# generated code: not held to the project's warning flags
$(PROTO_OBJS): $(PROTO_GEN)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -I$(BUILD)/proto $(shell $(PKG_CONFIG) --cflags libprotobuf-c 2>/dev/null) \
		-c $(filter %/$(notdir $(@:.o=.c)),$^) -o $@

$(BUILD)/obj/render/render.o $(BUILD)/obj/render/render_pb.o: $(PROTO_GEN)

# the syscall names are generated from the kernel's own table (linux-libc-dev)
$(BUILD)/obj/scrape/decode.o: $(BUILD)/syscalls.h

# arm64's table, whatever this machine is, for its unit test
$(BUILD)/arch/arm64/syscalls.h: tools/gen-syscalls.sh $(wildcard /usr/include/aarch64-linux-gnu/asm/unistd*.h)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sh $< $(CLANG) -target aarch64-linux-gnu > $@
$(BUILD)/unit/test_syscalls_arm64: $(BUILD)/arch/arm64/syscalls.h

$(BUILD)/bpfprom: $(EXPORTER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

# the tests' bcrypt hashes are made at test time with libcrypt
$(BUILD)/workload/bcrypt_hash: WORKLOAD_LIBS := -lcrypt
$(BUILD)/workload/uprobe_target: WORKLOAD_LIBS := -lm
# call chains the kernel's frame-pointer walk sees whole (ustack labels)
$(BUILD)/workload/stacks: WORKLOAD_CFLAGS := -O0 -fno-omit-frame-pointer
# the load suite's protobuf decoder: the generated sources compiled in, so
# that it links in sanitizer builds too (PROTO_OBJS carry SAN_FLAGS)
PROTO_SRCS := $(filter %.c,$(PROTO_GEN))
$(BUILD)/workload/pbdump: $(PROTO_GEN)
$(BUILD)/workload/pbdump: WORKLOAD_CFLAGS := -I$(BUILD)/proto $(shell $(PKG_CONFIG) --cflags libprotobuf-c 2>/dev/null)
$(BUILD)/workload/pbdump: WORKLOAD_LIBS := $(PROTO_SRCS) -lprotobuf-c

$(BUILD)/workload/%: tests/workload/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(WORKLOAD_CFLAGS) $< -lpthread $(WORKLOAD_LIBS) -o $@

# the deploy tests read the Kubernetes and Prometheus YAML through libyaml
$(BUILD)/deploy/yaml2json: tests/deploy/yaml2json.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(SAN_FLAGS) $< -lyaml -o $@

# bpfprom and the workloads for arm64, built on any machine with Debian's
# cross compiler and the arm64 multiarch -dev packages (make deps-test), into
# $(BUILD)/arm64: the vm suite boots them in Debian's arm64 kernel. A native
# build on arm64 is plain make.
CROSS_ARM64_CC ?= aarch64-linux-gnu-gcc
cross-arm64:
	$(Q)command -v $(CROSS_ARM64_CC) >/dev/null || { echo "cross-arm64: $(CROSS_ARM64_CC) is not \
	installed; make deps-test installs gcc-aarch64-linux-gnu and the arm64 -dev packages" >&2; exit 1; }
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/arm64 CC=$(CROSS_ARM64_CC) \
		PKG_CONFIG="PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config" \
		cross-arm64-all
# what cross-arm64 builds, named in the make it starts (where BUILD is build/arm64)
cross-arm64-all: $(BUILD)/bpfprom $(WORKLOAD_BINS)

# Benchmarks: a hand-written BPF baseline and the helpers of tests/bench/run.sh.
BENCH_BINS := $(BUILD)/bench/hand $(BUILD)/bench/evstat $(BUILD)/bench/startup \
	$(BUILD)/bench/scrapebench

$(BPF_DIR)/hand.bpf.o: tests/bench/hand.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf $(BPF_CPU) -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I/usr/include/$(MULTIARCH) -Ibpf -c $< -o $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/bench/hand.skel.h: $(BPF_DIR)/hand.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name hand_bpf > $@

$(BUILD)/bench/hand: tests/bench/hand.c $(BUILD)/bench/hand.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -I$(BUILD)/bench $(LDFLAGS) $< $(LDLIBS) -o $@

$(BUILD)/bench/scrapebench: tests/bench/scrapebench.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(BUILD)/bench/evstat $(BUILD)/bench/startup: $(BUILD)/bench/%: tests/bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

bench: all $(BENCH_BINS)
	$(Q)BUILD="$(BUILD)" BENCH="$(BENCH)" BENCH_QUICK="$(BENCH_QUICK)" sh tests/bench/run.sh

deps:
	$(Q)sh tools/deps.sh

# and what make test adds: the arm64 cross toolchain, -dev packages and qemu
deps-test:
	$(Q)sh tools/deps.sh test

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(BUILD)/bpfprom --config.file=config/default.yaml

# make test builds on every core: the build was a third of CI's time when
# serial (each BPF object is a minute of one CPU)
JOBS ?= $(shell nproc)
test: deps-test
	$(Q)$(MAKE) -j$(JOBS) --no-print-directory all $(ARCH_UNIT_BINS)
	$(Q)BG_BUILD=1 sh tests/run.sh

unit: $(UNIT_BINS) $(ARCH_UNIT_BINS)
	$(Q)sh tests/run.sh unit

integration: all
	$(Q)sh tests/run.sh integration

deploy: all
	$(Q)sh tests/run.sh deploy

test-vm: all cross-arm64
	$(Q)sh tests/run.sh vm

# the long load run: 100 scrapers for 60 s (LOAD_SECS=N to change it), and
# the churn soak: 100,000 processes over 600 s (CHURN_PROCS, CHURN_SECS)
load: all
	$(Q)LOAD_SECS=$${LOAD_SECS:-60} CHURN_PROCS=$${CHURN_PROCS:-100000} \
		CHURN_SECS=$${CHURN_SECS:-600} sh tests/run.sh load valgrind

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 all
	$(Q)sh tests/run.sh asan

# libFuzzer targets (tests/fuzz/fuzz_*.c) against the library objects built
# again by clang with coverage and ASan+UBSan in their own directory
FUZZ_CC ?= $(CLANG)
FUZZ_TIME ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst $(BUILD)/obj/%,$(BUILD)/fuzz/obj/%,$(LIB_OBJS))
# kept between builds: they are reached only through the pattern rule of the targets
.SECONDARY: $(FUZZ_OBJS)

$(BUILD)/fuzz/obj/%.o: exporter/%.c $(EXPORTER_HDRS) $(BPF_HDRS) $(BUILD)/bpfprom.skel.h $(BUILD)/bpfprom_one.skel.h $(BUILD)/bpfprom_shared.skel.h \
		$(BUILD)/syscalls.h $(PROTO_GEN)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CFLAGS) $(EXTRA_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(BUILD)/fuzz/obj/proto/%.pb-c.o: $(PROTO_GEN)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CFLAGS) $(FUZZ_SAN) -I$(BUILD)/proto \
		$(shell $(PKG_CONFIG) --cflags libprotobuf-c 2>/dev/null) \
		-c $(filter %/$(notdir $(@:.o=.c)),$^) -o $@

# the web config's files are confined to the fixture directory
$(BUILD)/fuzz/fuzz_webconfig: FUZZ_LDFLAGS := -Wl,--wrap=fopen
# and what an ld.so.cache names is never opened
$(BUILD)/fuzz/fuzz_ldcache: FUZZ_LDFLAGS := -Wl,--wrap=realpath

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(CFLAGS) $(EXTRA_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_LDFLAGS) \
		$< $(FUZZ_OBJS) $(LDLIBS) -o $@

$(BUILD)/fuzz/fixtures/.done: tests/fuzz/fixtures.sh
	$(call msg,GEN,$(@D))
	$(Q)rm -rf $(@D)
	$(Q)sh $< $(@D)

fuzz-build: $(FUZZ_BINS) $(BUILD)/fuzz/fixtures/.done

fuzz: fuzz-build
	$(Q)FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh long

FORMAT_SRCS = $(wildcard exporter/*.[ch] exporter/*/*.[ch] bpf/*.[ch] tests/unit/*.[ch] tests/workload/*.c tests/bench/*.c \
	tests/deploy/*.c tests/fuzz/*.c)

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	$(Q)$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS)

# Kernel convention: "// SPDX-..." opens a .c file, "/* SPDX-... */" a .h file
SPDX_C := $(wildcard exporter/*.c exporter/*/*.c bpf/*.c tests/*/*.c)
SPDX_H := $(wildcard exporter/*.h exporter/*/*.h bpf/*.h tests/*/*.h)

spdx-check:
	$(Q)bad=0; \
	for f in $(SPDX_C); do head -1 $$f | grep -q '^// SPDX-License-Identifier: ' || \
		{ echo "$$f: the first line is not // SPDX-License-Identifier: ..."; bad=1; }; done; \
	for f in $(SPDX_H); do head -1 $$f | grep -q '^/\* SPDX-License-Identifier: .* \*/$$' || \
		{ echo "$$f: the first line is not /* SPDX-License-Identifier: ... */"; bad=1; }; done; \
	exit $$bad

# The BPF objects for each architecture bpfprom runs on, whatever this
# machine is: arguments are read through bpf_tracing.h, never one
# architecture's registers. Built, not loaded (no kernel of the other
# architecture here).
BPF_ARCHS ?= x86 arm64
bpf-objs: $(BPF_DIR)/bpfprom.bpf.o $(BPF_DIR)/bpfprom_one.bpf.o $(BPF_DIR)/bpfprom_shared.bpf.o \
	$(BPF_DIR)/hand.bpf.o

bpf-arch-check:
	$(Q)for a in $(BPF_ARCHS); do \
		case $$a in x86) m=x86_64-linux-gnu ;; arm64) m=aarch64-linux-gnu ;; *) m=$$a-linux-gnu ;; esac; \
		[ -d /usr/include/$$m ] || m=$(MULTIARCH); \
		$(MAKE) --no-print-directory ARCH=$$a MULTIARCH=$$m bpf-objs || exit 1; \
	done

clean:
	$(Q)rm -rf build
