# Front door. `make run` and `make test` work on a fresh Debian 12 machine: they install
# what is missing (Debian packages only), build, and run.
#   make build        -> build/sshd-health
#   make test         -> every test through ctest (unit, integration, e2e)
#   make test ASAN=1  -> the same tests in an ASan+UBSan build (build-asan/)
#   make run          -> the daemon in the foreground on the built-in default config, alerts
#                        readable on the terminal, until Ctrl-C
#   make bench        -> benchmarks against the peer tools (not part of test)
#   make bench-daemon -> the daemon's latency, idle CPU and memory (not part of test)
#   make bench-load   -> 100,000 lines/s for 60 s to a slow webhook (not part of test)
#   make bench-central -> a central log host: 500 per-host files against one (not part of test)
#   make deb          -> build-deb/sshd-health_<version>_<arch>.deb (no tests; ccache)
#   make fuzz         -> the libFuzzer targets (tests/fuzz/, clang-14, ASan+UBSan) built in
#                        build-fuzz/ and run FUZZ_SECONDS each (default 60), one at a time;
#                        FUZZ_TARGETS="syslog_line_fuzz ..." picks some
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
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps test-deps configure build test run bench bench-daemon bench-load bench-central clean format deb fuzz fuzz-build
all: build

deps:
	@sh packaging/install-deps.sh

test-deps:
	@sh packaging/install-deps.sh --test

configure: deps
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

# A failed parallel build is run again one job at a time: a real compile error fails again
# and is printed alone, unmixed with the other job's output; a compiler killed from outside
# (no diagnostic at all: out of memory, a full disk) gets one more try, and the disk and
# memory are printed so the log says which.
build: configure
	@cmake --build $(BUILD) -j $(JOBS) || { \
	  echo "build failed; disk and memory now:"; df -h $(BUILD) /tmp; free -m; \
	  echo "building again, one job at a time:"; cmake --build $(BUILD) -j 1; }

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure --timeout 300 -j $(JOBS) $(CTEST_ARGS)

run: build
	@$(BUILD)/sshd-health daemon --text

# BENCH_ARGS, e.g. "--lines 100000 --repeat 1" for a quick look; see tests/bench/run_bench.py.
BENCH_ARGS ?=
bench: build
	@sh packaging/install-deps.sh --bench
	python3 tests/bench/run_bench.py --binary $(BUILD)/sshd-health --rules rules --out $(BUILD)/bench $(BENCH_ARGS)

deb:
	@sh packaging/install-deps.sh --deb
	JOBS=$(JOBS) sh packaging/build-deb.sh build-deb

# The live daemon's latency, idle cost and memory (numbers in README.md "Daemon").
bench-daemon: test-deps build
	python3 tests/bench/daemon_bench.py $(BUILD)/sshd-health

# 100,000 lines/s for 60 s to a slow webhook: RSS, loss, backlog (README "Reliability").
bench-load: test-deps build
	python3 tests/bench/load_bench.py $(BUILD)/sshd-health $(LOAD_ARGS)

# 600,000 lines at 10,000 lines/s into 500 per-host files and into one: CPU, RSS, lag
# (docs/performance.md "Issue 17"). CENTRAL_ARGS, e.g. "--rate 30000".
bench-central: test-deps build
	python3 tests/bench/central_bench.py $(BUILD)/sshd-health --lines 600000 --rate 10000 $(CENTRAL_ARGS)

# The same build the fuzz ctest uses (tests/fuzz/tests.cmake), so either warms the other.
fuzz-build:
	@sh packaging/install-deps.sh --fuzz
	@test -f build-fuzz/build.ninja || cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DSSHD_HEALTH_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)

fuzz: fuzz-build
	bash tests/fuzz/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build build-asan build-deb build-fuzz
