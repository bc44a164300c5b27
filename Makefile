# Front door. `make run` and `make test` work on a fresh Debian 12 machine: they install
# what is missing (Debian packages only), build, and run.
#   make build        -> build/sshd-health
#   make test         -> every test through ctest (unit, integration, e2e)
#   make test ASAN=1  -> the same tests in an ASan+UBSan build (build-asan/)
#   make run          -> scan this machine's sshd logs with the built-in default config
#   make bench        -> benchmarks against the peer tools (not part of test)
#   make bench-daemon -> the daemon's latency, idle CPU and memory (not part of test)
JOBS  ?= 2
ASAN  ?= 0
ifeq ($(ASAN),1)
BUILD ?= build-asan
CMAKE_FLAGS += -DSSHD_HEALTH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
BUILD ?= build
CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif
CTEST_ARGS ?=

.PHONY: all deps test-deps configure build test run bench bench-daemon clean format
all: build

deps:
	@sh packaging/install-deps.sh

test-deps:
	@sh packaging/install-deps.sh --test

configure: deps
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 300 -j $(JOBS) $(CTEST_ARGS)

run: build
	@$(BUILD)/sshd-health scan

bench: test-deps build
	@echo "no benchmarks yet"

# The live daemon's latency, idle cost and memory (numbers in README.md "Daemon").
bench-daemon: test-deps build
	python3 tests/bench/daemon_bench.py $(BUILD)/sshd-health

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build build-asan
