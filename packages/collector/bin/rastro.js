#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=262144 node
// Committed entry point, so npm links the `rastro` command at install, before the first build.
// The shebang fixes two glibc malloc thresholds before Node starts (glibc reads them once, at
// the first allocation; they cannot be set from JavaScript): allocations of 128 KiB and more are
// mmap'd and go back to the OS when freed, and a free tail over 256 KiB is trimmed. Without them
// glibc raises both thresholds after the embedded ClickHouse frees its first insert buffers, and
// keeps ~200 MB of freed memory resident after a burst of ingest (BENCHMARKS.md, Collector ingest).
// `env -S` is GNU coreutils >= 8.30 or BSD/macOS env; macOS's malloc ignores the variables.
// libuv reads its pool size once, at first use: set it before anything loads (see src/set-threadpool-size.ts).
process.env.UV_THREADPOOL_SIZE ??= '8'
await import('../dist/cli.js')
