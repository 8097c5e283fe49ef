/** Length of a string in UTF-8 bytes, what the collector's and the browser's size limits count. */
export function getByteLength(text: string): number {
  return new TextEncoder().encode(text).length
}
