/**
 * Size and count limits of the ingest API. They match Segment's HTTP Tracking API so that any
 * Segment-compatible client that respects Segment's limits also respects ours.
 *
 * Source: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size
 */

/** Maximum size of one event, serialized as JSON: 32 KiB (bytes). Segment: "32KB per call". */
export const MAX_EVENT_BYTES = 32 * 1024

/** Maximum size of one `/v1/batch` request body after decompression: 500 KiB (bytes). Segment: "500KB per batch". */
export const MAX_BATCH_BYTES = 500 * 1024

/** Maximum number of events in one batch. Segment: "less than 2500 events per batch". */
export const MAX_BATCH_EVENTS = 2500

/** Maximum length of a `messageId` (characters). Segment dedups ids under 100 characters; we allow some headroom. */
export const MAX_MESSAGE_ID_LENGTH = 200

/** Maximum length of an event name, page name or id field (characters). */
export const MAX_NAME_LENGTH = 500

/** Maximum length of a `writeKey` (characters). */
export const MAX_WRITE_KEY_LENGTH = 200

/**
 * Maximum number of points in one `$heatmap` event. The browser SDK sends its buffer every 50
 * points; a 32 KiB event holds about 300 points, so this only bounds hand-made events.
 */
export const MAX_HEATMAP_POINTS = 500

/** Maximum length of a heatmap point's CSS selector `s` (characters). */
export const MAX_SELECTOR_LENGTH = 1024
