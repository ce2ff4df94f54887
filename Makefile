# Convenience wrapper around CMake. `make demo` and `make test` are the two
# commands of the README; everything else is for working on eddy.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all demo test test-asan test-release test-tsan test-ucontext test-cross bench install clean

all:
	scripts/deps.sh build
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEDDY_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build build -j$(JOBS)

demo: all
	./build/examples/tour

# The AArch64 context switch under qemu-user, then the whole suite under
# each driver: Debug with AddressSanitizer and UndefinedBehaviorSanitizer,
# Release, Debug with ThreadSanitizer, and Release with the ucontext
# fallback (the run ends with ctest's summary).
test: test-cross test-asan test-release test-tsan test-ucontext

define run_suite
	scripts/deps.sh test
	cmake -S . -B $(1) -DEDDY_WERROR=ON $(2) $(CMAKE_FLAGS)
	cmake --build $(1) -j$(JOBS)
	cd $(1) && ctest --output-on-failure -j$(JOBS)
endef

test-asan:
	$(call run_suite,build-asan,-DCMAKE_BUILD_TYPE=Debug -DEDDY_SANITIZE=address$(,)undefined)

test-release:
	$(call run_suite,build-release,-DCMAKE_BUILD_TYPE=Release)

test-tsan:
	$(call run_suite,build-tsan,-DCMAKE_BUILD_TYPE=Debug -DEDDY_SANITIZE=thread)

test-ucontext:
	$(call run_suite,build-ucontext,-DCMAKE_BUILD_TYPE=Release -DEDDY_CONTEXT=ucontext)

test-cross:
	tests/cross/run.sh

# Every benchmark against its peers, then the summary table and plot
# (build-bench/summary.md, performance.png). Three rounds keep it under ten
# minutes on a 2-core machine; EDDY_BENCH_ROUNDS=5 for the published figures.
bench:
	EDDY_BENCH_ROUNDS=$${EDDY_BENCH_ROUNDS:-3} bench/run.sh

install: all
	cmake --install build

clean:
	rm -rf build build-asan build-release build-tsan build-ucontext build-bench

, := ,
