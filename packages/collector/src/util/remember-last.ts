/**
 * `compute` with its last answer remembered. The events of one request mostly share their user
 * agent, IP and page, so the second event on costs a string comparison instead of a parse, an
 * LRU lookup or a database lookup (measured with `npm run bench:steps`).
 *
 * @param compute a pure function of its key (its answer is shared: never change it)
 */
export function rememberLast<T>(compute: (key: string) => T): (key: string) => T {
  let lastKey: string | undefined
  let lastValue: T
  return (key) => {
    if (key !== lastKey) {
      lastValue = compute(key)
      lastKey = key
    }
    return lastValue
  }
}
