/**
 * Imported first by the CLI: sizes libuv's thread pool before anything uses it (the size is
 * read once, at first use). The embedded ClickHouse runs every statement on that pool
 * (`queryAsync`), where an insert can hold a thread for hundreds of ms; the write-ahead log's
 * file reads use the same pool. Node's default of 4 let a few concurrent reads and an insert
 * queue the log's fsyncs, and with them every acknowledgement (the fsyncs now have a thread of
 * their own: log/fsync-thread.ts). An explicit `UV_THREADPOOL_SIZE` wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '8'
