#!/usr/bin/env bash
# End-to-end benchmark: digestfeed --once against the floor (reading every input byte
# and writing the output bytes once) and against Hugo; the daemon's start to READY
# against --once, its resident memory after start and after $UPDATES single-digest
# updates (default 1000) against the input's size, and its latency for one new digest;
# at several corpus sizes. One command:
#
#   benches/e2e.sh [N ...]              (default: 1000 10000 50000)
#   VARIANTS=1 benches/e2e.sh [N ...]   the same on the variants corpora
#
# Corpora are generated deterministically (examples/gen_corpus.rs) under $BENCH_DIR
# (default /tmp/digestfeed-bench): corpus-N, or corpus-v-N with VARIANTS=1 (gen_corpus
# --variants: a third of the digests in the other shapes the format accepts, which the
# bulk read's shortcut may leave to the CommonMark parser). Hugo is used when `hugo` is
# installed (Debian: apt-get install hugo). Every figure is the median of $RUNS runs
# (default 3), all measured in this one run, the contenders taking turns after one
# untimed warm-up run, so the ratios compare like with like.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
((${#sizes[@]})) || sizes=(1000 10000 50000)
runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/digestfeed-bench}
# The variants' outputs are recorded as vN, beside the usual corpora's N.
kind=; gen_flags=()
if [[ ${VARIANTS:-0} != 0 ]]; then
  kind=v; gen_flags=(--variants)
fi
mkdir -p "$dir"

cargo build --release --quiet --bin digestfeed --example gen_corpus --example latency
bin=target/release/digestfeed

# The generated corpora run from 2024 on, every 4 hours: past today from about 8,000
# digests on. Every digest is published, so that each size measures all its digests.
printf 'publish_future: true\n' > "$dir/bench.yaml"
run_once=(--once -q --config "$dir/bench.yaml" --base-url https://feeds.example.org/)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# SHA-256 of a folder's files (each file's hash, files sorted by path).
tree_hash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64; }
expected() { awk -v n="$1" '$1 == n {print $2}' benches/e2e-output.sha256; }
changed=()

# "wall user sys maxrss_kb" of a command, via GNU time.
measure() { /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$@" >/dev/null 2>&1 || true; cat "$dir/time.txt"; }

updates=${UPDATES:-1000}
printf '%-7s %9s %9s %9s %9s %8s %10s %8s %8s %8s %8s %9s %9s %10s %8s\n' \
  N input_MB once_s cpu_s rss_MB floor_s hugo_s 'ours/fl' 'hugo/us' ready_s 'rdy/once' rss_rdy rss_upd lat_med_ms lat_max
for n in "${sizes[@]}"; do
  corpus="$dir/corpus-${kind:+$kind-}$n"
  [[ -d $corpus ]] || target/release/examples/gen_corpus "$corpus" "$n" ${gen_flags[@]+"${gen_flags[@]}"}
  input_bytes=$(find "$corpus" -name '*.md' -printf '%s\n' | awk '{s+=$1} END {print s}')

  # One untimed run first: it gives the output size the floor writes, and leaves the
  # corpus in the page cache (this machine's kernel gives cached files back within a
  # minute, and the first timed reader would otherwise pay for the disk alone).
  rm -rf "$dir/out"
  "$bin" "${run_once[@]}" --input "$corpus" --output "$dir/out" >/dev/null
  out_bytes=$(find "$dir/out" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  # The output must be byte for byte what it was (benches/e2e-output.sha256).
  hash=$(tree_hash "$dir/out")
  want=$(expected "$kind$n")
  if [[ -n $want && $hash != "$want" ]]; then
    changed+=("$kind$n: output $hash, expected $want")
  fi

  # The contenders take turns, run after run, so that a noisy minute costs each alike.
  walls=(); cpus=(); rsss=(); floors=(); hugos=(); readies=(); ready_rss=()
  for ((r = 0; r < runs; r++)); do
    rm -rf "$dir/out"
    read -r wall user sys rss < <(measure "$bin" "${run_once[@]}" --input "$corpus" --output "$dir/out")
    walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc)"); rsss+=("$rss")

    rm -f "$dir/floor.bin"
    start=$(date +%s.%N)
    find "$corpus" -name '*.md' -print0 | xargs -0 cat > /dev/null
    head -c "$out_bytes" /dev/zero > "$dir/floor.bin"
    end=$(date +%s.%N)
    floors+=("$(echo "$end - $start" | bc)")

    if command -v hugo >/dev/null; then
      rm -rf "$dir/hugo-out"
      read -r wall _ < <(measure hugo --quiet --source benches/hugo-site --contentDir "$corpus" --destination "$dir/hugo-out")
      hugos+=("$wall")
    fi

    # One update: the daemon completes its indexes right after READY, before it takes
    # the first one; the memory after it is the memory of a started daemon.
    started=$(target/release/examples/latency "$bin" "$corpus" 1 20)
    ready=$(sed -nE 's/^ready after ([0-9.]+) s.*/\1/p' <<<"$started")
    rss_mb=$(sed -nE 's/^resident after 1 updates: ([0-9]+) MB/\1/p' <<<"$started")
    readies+=("$ready"); ready_rss+=("$rss_mb")
  done
  ready=$(printf '%s\n' "${readies[@]}" | median)
  rss_ready=$(printf '%s\n' "${ready_rss[@]}" | median)
  once=$(printf '%s\n' "${walls[@]}" | median)
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
  rss=$(printf '%s\n' "${rsss[@]}" | median)
  floor=$(printf '%s\n' "${floors[@]}" | median)
  hugo_s=-; hugo_ratio=-
  if ((${#hugos[@]})); then
    hugo_s=$(printf '%s\n' "${hugos[@]}" | median)
    hugo_ratio=$(echo "scale=1; $hugo_s / $once" | bc)
  fi

  # Short debounce: $updates probes, each waited for, then 2 debounces of quiet.
  report=$(target/release/examples/latency "$bin" "$corpus" "$updates" 20)
  rss_upd=$(sed -nE 's/^resident after [0-9]+ updates: ([0-9]+) MB/\1/p' <<<"$report")
  lat=$(tail -1 <<<"$report")
  lat_med=$(sed -E 's/.*median ([0-9.]+) ms.*/\1/' <<<"$lat")
  lat_max=$(sed -E 's/.*max ([0-9.]+) ms.*/\1/' <<<"$lat")

  printf '%-7s %9.1f %9.2f %9.2f %9.0f %8.2f %10s %8.1f %8s %8.2f %8.2f %9s %9s %10s %8s\n' \
    "$kind$n" "$(echo "$input_bytes / 1048576" | bc -l)" "$once" "$cpu" "$(echo "$rss / 1024" | bc -l)" \
    "$floor" "$hugo_s" "$(echo "$once / $floor" | bc -l)" "$hugo_ratio" \
    "$ready" "$(echo "$ready / $once" | bc -l)" "$rss_ready" "$rss_upd" "$lat_med" "$lat_max"
done
echo "The ratios are from this run. ready_s: daemon start to READY=1; rss_rdy, rss_upd: the"
echo "daemon's resident MB after its first update and after $updates single-digest updates; latency:"
echo "rename in -> entry in atom.xml over those updates, debounce 20 ms (the work is lat - 20)."
if ((${#changed[@]})); then
  printf 'OUTPUT CHANGED (benches/e2e-output.sha256):\n'; printf '  %s\n' "${changed[@]}"
  exit 1
fi
echo "output: identical to benches/e2e-output.sha256 for every size that it lists"
