#!/usr/bin/env bash
# Fuzzes the event reader's C parser built by clang with AddressSanitizer and
# UndefinedBehaviorSanitizer, and with the C's own coverage guiding the fuzzer
# (./sparkify fuzz uses pip's -O2 build, whose C the fuzzer cannot see):
#
#   native/event_lines/fuzz_with_sanitizers.sh [SECONDS]    (default 600)
#
# Needs clang (Debian: apt-get install clang) and the project's .venv (./sparkify builds
# it). The build, the corpus and any failing input go to .local/fuzz-sanitizers/; nothing
# is installed. libFuzzer and the sanitizers' runtime are linked into one library loaded
# before Python, as atheris documents for native extensions (using_sanitizers.md), because
# the atheris 3.0.0 wheel ships no such library.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="$root/.venv/bin/python"
seconds="${1:-600}"
work="$root/.local/fuzz-sanitizers"
mkdir -p "$work/build/sparkify_event_lines" "$work/corpus"

asan="$(clang -print-file-name=libclang_rt.asan-x86_64.a)"
fuzzer="$(clang -print-file-name=libclang_rt.fuzzer_no_main-x86_64.a)"
asan_cxx="$(clang -print-file-name=libclang_rt.asan_cxx-x86_64.a)"
# A shared library may not hold the runtime's .preinit_array: its preinit object goes.
cp "$asan" "$work/asan.a"
ar d "$work/asan.a" asan_preinit.cpp.o 2>/dev/null || true
clang++ -Wl,--whole-archive "$fuzzer" "$work/asan.a" "$asan_cxx" -Wl,--no-whole-archive \
  -lpthread -ldl -lrt -shared -o "$work/asan_with_fuzzer.so"

include="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suffix="$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
cp "$here/src/sparkify_event_lines/__init__.py" "$work/build/sparkify_event_lines/"
clang -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined \
  -shared -fPIC -I"$include" "$here/src/event_lines.c" "$here/src/module.c" -lm \
  -o "$work/build/sparkify_event_lines/_event_lines$suffix"

"$python" "$here/fuzz_event_lines.py" --write-seeds "$work/seeds" >/dev/null
# Python leaks by design at exit: leak checks are off.
PYTHONPATH="$work/build" LD_PRELOAD="$work/asan_with_fuzzer.so" \
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
  "$python" "$here/fuzz_event_lines.py" -max_total_time="$seconds" -artifact_prefix="$work/" \
  "$work/corpus" "$work/seeds"
