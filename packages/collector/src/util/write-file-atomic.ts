/**
 * Replaces a small file atomically and durably: write a temp file, fsync it, rename it over the
 * old one, fsync the directory. A crash at any point leaves the old or the new content, never a
 * mix (rename(2) is atomic on POSIX file systems).
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * {@link writeFileAtomic} off the event loop (on libuv's pool): for writes while requests are
 * being served, where a synchronous fsync would hold every request up for its duration.
 */
export async function writeFileAtomicAsync(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp`
  const file = await open(temp, 'w', 0o600)
  try {
    await file.writeFile(text)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

/** Writes `text` to `path` atomically and durably, synchronously (at start-up). */
export function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.tmp`
  const fd = openSync(temp, 'w', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
  fsyncDirectory(dirname(path))
}

/** fsyncs a directory, so a file created or renamed in it survives a power loss. */
export function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
