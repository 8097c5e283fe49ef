#!/usr/bin/env node
// Committed entry point, so npm links the `rastro` command at install, before the first build.
// libuv reads its pool size once, at first use: set it before anything loads (see src/set-threadpool-size.ts).
process.env.UV_THREADPOOL_SIZE ??= '8'
await import('../dist/cli.js')
