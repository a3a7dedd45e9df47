# SPDX-License-Identifier: GPL-2.0
#
# make           build build/bpfprom (BPF object, skeleton, exporter)
# make deps      install the Debian packages that are missing (root)
# make run       deps + build + run on config/default.yaml
# make test      deps + build + every test (unit, format, integration, vm, asan)
# make test-vm   the guest tests in Debian's 6.1 and 6.12 kernels under qemu (root)
# make asan      ASan+UBSan build under build/asan, and its unit and integration tests
# make format    reformat the sources with .clang-format
# V=1            show the commands

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
CLANG_FORMAT ?= clang-format
BUILD ?= build
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

VERSION := 0.1.0
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS ?= -O2 -g
SAN_FLAGS :=
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
PKGS := libbpf libmicrohttpd yaml-0.1 libelf zlib libprotobuf-c gnutls libcrypt
EXTRA_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-D_GNU_SOURCE -I$(BUILD) -I$(BUILD)/proto -Iexporter -Ibpf \
	-DBPFPROM_VERSION='"$(VERSION)"' -DBPFPROM_REVISION='"$(REVISION)"' \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SAN_FLAGS)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lmicrohttpd -lyaml -lelf -lz -lprotobuf-c -lgnutls -lcrypt) -lm -lpthread
LDFLAGS += $(SAN_FLAGS)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all deps run test unit integration test-vm asan format format-check clean

EXPORTER_SRCS := $(sort $(wildcard exporter/*.c))
PROTO_OBJS := $(BUILD)/obj/proto/metrics.pb-c.o $(BUILD)/obj/proto/timestamp.pb-c.o
EXPORTER_OBJS := $(patsubst exporter/%.c,$(BUILD)/obj/%.o,$(EXPORTER_SRCS)) $(PROTO_OBJS)
LIB_OBJS := $(filter-out $(BUILD)/obj/main.o,$(EXPORTER_OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(sort $(wildcard tests/workload/*.c))
WORKLOAD_BINS := $(patsubst tests/workload/%.c,$(BUILD)/workload/%,$(WORKLOAD_SRCS))
BPF_HDRS := $(wildcard bpf/*.h)

all: $(BUILD)/bpfprom $(UNIT_BINS) $(WORKLOAD_BINS)

# The generic BPF program: built once, specialised per group of metrics at
# load time. -g is for BTF; its DWARF (1.6 MB) would be embedded for nothing.
$(BUILD)/bpfprom.bpf.o: bpf/bpfprom.bpf.c $(BPF_HDRS)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I/usr/include/$(MULTIARCH) -Ibpf -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/bpfprom.skel.h: $(BUILD)/bpfprom.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bpfprom_bpf > $@

$(BUILD)/syscalls.h: tools/gen-syscalls.sh $(wildcard /usr/include/$(MULTIARCH)/asm/unistd_64.h)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sh $< > $@

# Every user object depends on the skeleton so that it is generated first.
$(BUILD)/obj/%.o: exporter/%.c $(wildcard exporter/*.h) $(BPF_HDRS) $(BUILD)/bpfprom.skel.h
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
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -I$(BUILD)/proto $(shell pkg-config --cflags libprotobuf-c 2>/dev/null) \
		-c $(filter %/$(notdir $(@:.o=.c)),$^) -o $@

$(BUILD)/obj/render.o $(BUILD)/obj/render_pb.o: $(PROTO_GEN)

# the syscall names are generated from the kernel's own table (linux-libc-dev)
$(BUILD)/obj/decode.o: $(BUILD)/syscalls.h

$(BUILD)/bpfprom: $(EXPORTER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

# the tests' bcrypt hashes are made at test time with libcrypt
$(BUILD)/workload/bcrypt_hash: WORKLOAD_LIBS := -lcrypt

$(BUILD)/workload/%: tests/workload/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $< -lpthread $(WORKLOAD_LIBS) -o $@

deps:
	$(Q)sh tools/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(BUILD)/bpfprom --config.file=config/default.yaml

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tests/run.sh

unit: $(UNIT_BINS)
	$(Q)sh tests/run.sh unit

integration: all
	$(Q)sh tests/run.sh integration

test-vm: all
	$(Q)sh tests/run.sh vm

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 all
	$(Q)sh tests/run.sh asan

FORMAT_SRCS = $(wildcard exporter/*.[ch] bpf/*.[ch] tests/unit/*.[ch] tests/workload/*.c tests/bench/*.c)

format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	$(Q)$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SRCS)

clean:
	$(Q)rm -rf build
