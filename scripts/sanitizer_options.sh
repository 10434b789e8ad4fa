# Sourced by fuzz.sh and sanitize.sh: how ASan (with LeakSanitizer) and UBSan report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
