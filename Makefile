# etlconn — the commands a newcomer needs. Each installs what is missing first.
#   make run    build and run the main job: bundled SQLite sample -> ./lake
#   make test   build, start what the tests need, run every test
#   make asan   the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan   the concurrency tests (cache, connection pools, parallel pooled fetches,
#               cancellation) under ThreadSanitizer
#   make minimal  every optional connector compiled out; builds and runs the core tests
#   make compile-out  each connector compiled out alone: builds, checks NOT_BUILT_IN
#   make deps   install the Debian/PyPI packages the build and tests need
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Test builds let the *_nomem tests make the library's allocations fail
# (docs/testing.md); `make install` turns it off again.
TEST_FLAGS = -DETLCONN_FAULT_INJECTION=ON
SAMPLE_DB = examples/sample/sample.db

.PHONY: all deps build run test test-servers asan tsan minimal compile-out sample install clean bench

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DETLCONN_WERROR=ON $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(SAMPLE_DB): examples/sample/sample.sql
	@rm -f $@.tmp && sqlite3 $@.tmp < $< && mv $@.tmp $@

sample: $(SAMPLE_DB)

run: deps build sample
	./$(BUILD)/etlconn fetch -c examples/sqlite_connector.example.yaml \
	    "SELECT * FROM orders ORDER BY order_id" --lake ./lake

# Test servers that must be built before the tests run (SeaweedFS comes from
# the Go module proxy and takes minutes the first time; cached afterwards).
test-servers:
	@bash tests/services/seaweedfs install

test: deps sample test-servers
	cmake -S . -B $(BUILD) -G Ninja -DETLCONN_WERROR=ON $(TEST_FLAGS) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

asan: deps sample test-servers
	cmake -S . -B build-asan -G Ninja -DETLCONN_WERROR=ON -DETLCONN_SANITIZE=address,undefined \
	    -DCMAKE_BUILD_TYPE=Debug $(TEST_FLAGS) $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --test-dir build-asan --output-on-failure -j $(JOBS)

tsan: deps sample
	$(MAKE) BUILD=build-tsan CMAKE_FLAGS="-DETLCONN_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug" build
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -R 'cache|thread|cancel|integration.test_(postgres|mysql|pool_concurrency|pool_concurrency_mysql|cli_dw_reader_error|extract_postgres_blocks|postgres_scan)$$'

# The minimal configuration: every connector folder switched off
# (-DETLCONN_WITH_<X>=OFF). Configured every time, so a connector added
# later is switched off too. Runs the tests labelled `core` (no connector,
# no server), which include the NOT_BUILT_IN and exported-symbol checks.
CONNECTORS = $(patsubst src/%/connector.cmake,%,$(wildcard src/connectors/*/connector.cmake src/destinations/*/connector.cmake))
MINIMAL_FLAGS = $(foreach c,$(notdir $(CONNECTORS)),-DETLCONN_WITH_$(shell echo $(c) | tr a-z A-Z)=OFF)

minimal: deps
	cmake -S . -B build-minimal -G Ninja -DETLCONN_WERROR=ON $(MINIMAL_FLAGS)
	cmake --build build-minimal -j $(JOBS)
	ctest --test-dir build-minimal --output-on-failure -j $(JOBS) -L core

# Each connector switched off alone (build-off-<x>/): it builds, and the
# compile-out checks pass. Not in CI (six builds); run it when touching a
# connector's CMake or the public API.
compile-out: deps
	@set -e; for c in $(notdir $(CONNECTORS)); do \
	  C=$$(echo $$c | tr a-z A-Z); echo "== -DETLCONN_WITH_$$C=OFF"; \
	  cmake -S . -B build-off-$$c -G Ninja -DETLCONN_WERROR=ON -DETLCONN_WITH_$$C=OFF >/dev/null; \
	  cmake --build build-off-$$c -j $(JOBS); \
	  ctest --test-dir build-off-$$c --output-on-failure -R 'not_built_in|exported_symbols|test_examples'; \
	done

install: $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) -DETLCONN_FAULT_INJECTION=OFF
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

bench: deps build
	bash bench/run-all.sh

clean:
	rm -rf build build-asan build-tsan build-minimal build-off-* $(SAMPLE_DB)
