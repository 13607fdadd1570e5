#!/usr/bin/env bash
# Runs each fuzz target (fuzz/fuzz_targets/) for a bounded time, seeded with the
# example digests. Usage: scripts/fuzz.sh SECONDS [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); runs on stable Rust without a
# sanitizer. Findings land in fuzz/artifacts/TARGET/; keep each as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
((${#targets[@]})) || targets=(parse_digest pipeline)
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  # Seeds: every example digest (for the pipeline, pairs of them joined by '%').
  find examples/digests -name '*.md' | sort | while read -r f; do
    cp "$f" "$corpus/seed-$(basename "$f")"
  done
  if [[ $target == pipeline ]]; then
    files=(examples/digests/*.md examples/digests/2026/01/*.md)
    for ((i = 0; i + 1 < ${#files[@]}; i++)); do
      cat "${files[$i]}" <(printf '%%') "${files[$((i + 1))]}" > "$corpus/seed-pair-$i.md"
    done
  fi
  cargo fuzz run -O --sanitizer none "$target" "$corpus" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096
done
