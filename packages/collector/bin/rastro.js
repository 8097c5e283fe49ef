#!/bin/sh
':' //; exec env MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-262144}" UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-8}" JE_MALLOC_CONF="${JE_MALLOC_CONF:-percpu_arena:disabled,narenas:1}" node "$0" "$@"
// Committed entry point, so npm links the `rastro` command at install, before the first build.
// The file is both a shell script and a module: sh runs line 2, which starts Node on this same
// file with four variables that must be set before Node starts, each unless already set; for
// Node, line 2 is a string and a comment.
// - glibc reads its malloc thresholds once, at the first allocation: allocations of 128 KiB and
//   more are mmap'd and go back to the OS when freed, and a free tail over 256 KiB is trimmed.
//   Without them glibc raises both thresholds after the embedded ClickHouse frees its first insert
//   buffers, and keeps ~200 MB of freed memory resident after a burst of ingest (BENCHMARKS.md).
// - The embedded engine's jemalloc (its own, inside chDB's library) reads `JE_MALLOC_CONF` once:
//   one arena, where its build asks for one per CPU. On 2 cores, 7 alternating 10 s bursts: RSS
//   after a burst 37 MB less on average, and more events per second in 6 of the 7
//   (docs/architecture.md).
// - libuv sizes its thread pool once, at first use, and Node's ES module loader uses the pool
//   before a module's first line runs, so a module cannot set it: 8 threads, as the embedded
//   engine runs each statement on one (docs/architecture.md, Embedded ClickHouse).
await import('../dist/cli.js')
