# The two commands of the README: `make run` (set up, build, serve the demo) and `make test`
# (set up, build, run every test). Both work on a fresh Debian 12 machine as root.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_BENCH ?= build-bench
BENCH_ARGS ?=       # e.g. BENCH_ARGS="--quick" or "--section classic --connections 64"
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:8080

.PHONY: all setup build run test test-asan bench fuzz image clean

all: build

setup:
	scripts/setup

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	POGO_LISTEN=http://$(LISTEN) $(BUILD)/pogo run --config examples/fanout/Caddyfile

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2

test-asan: setup
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DPOGO_SANITIZE=ON >/dev/null
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure

# A Release build of its own, so going between `make test`/`make run` and `make bench` never
# rebuilds the other's tree. scripts/setup --bench also gives php-fpm the extensions Pogo compiles
# in (the wordpress section compares like with like); pogo_alloc_count is the alloc section's LD_PRELOAD shim,
# pogo_fanout_floor the fanout section's machine floor, pogo_rate_client the latency section's fixed-rate client.
bench:
	scripts/setup --bench
	cmake -S . -B $(BUILD_BENCH) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD_BENCH) -j $(JOBS) --target pogo pogo_alloc_count pogo_fanout_floor pogo_mercure_bench pogo_rate_client
	bench/run $(BUILD_BENCH)/pogo $(BENCH_ARGS)

# libFuzzer targets (clang): the Caddyfile lexer+parser+config and the HTTP request parser,
# FUZZ_SECONDS each (default 600). Not part of `make test`.
FUZZ_SECONDS ?= 600
BUILD_FUZZ   ?= build-fuzz
fuzz:
	scripts/setup --fuzz
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOGO_FUZZ=ON >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target caddyfile_fuzz_parse server_fuzz_request
	mkdir -p $(BUILD_FUZZ)/corpus/caddyfile $(BUILD_FUZZ)/corpus/request
	$(BUILD_FUZZ)/tests/caddyfile/caddyfile_fuzz_parse -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	  $(BUILD_FUZZ)/corpus/caddyfile tests/caddyfile/fixtures
	$(BUILD_FUZZ)/tests/server/server_fuzz_request -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	  $(BUILD_FUZZ)/corpus/request tests/server/fuzz_corpus

# The production image (Dockerfile) with docker or podman, whichever can build; says why when
# neither can. IMAGE_ARGS="--build-arg PHP_VERSION=..." passes build arguments.
IMAGE      ?= pogo
IMAGE_ARGS ?=
image:
	scripts/build-image -t $(IMAGE) $(IMAGE_ARGS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_BENCH) $(BUILD_FUZZ)
