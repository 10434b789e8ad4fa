# Sourced by fuzz.sh and sanitize.sh: how ASan and UBSan report (README "Limits and hardening").
# Leak detection is off: LibTorch keeps its operator registry, thread pools and allocator caches
# alive until exit on purpose, and LeakSanitizer reports them from inside libtorch_cpu.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
