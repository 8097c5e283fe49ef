/**
 * The body of `POST /v1/batch`: `{"writeKey":…,"sentAt":…,"batch":[…]}`, built from events that
 * were serialized once when queued, so a retry sends the very same bytes (and `messageId`) again.
 */

/** Joins serialized events into a batch request body. */
export function createBody(writeKey: string, sentAt: string, items: string[]): string {
  return '{"writeKey":' + JSON.stringify(writeKey) + ',"sentAt":"' + sentAt + '","batch":[' + items + ']}'
}
