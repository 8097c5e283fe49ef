/**
 * Every column of the rows of a log payload made by `encodeEventRows` (`properties`, `traits` and
 * `context` as their JSON text; `country` '' in records written before it existed): what tests
 * compare the encoder's output with. The collector itself decodes only the columns a consumer
 * reads (`decodeCrmRows`).
 */
import { createEventRowDecoder } from '../../src/ingest/decode-event-rows.js'
import { EVENT_COLUMNS } from '../../src/ingest/encode-event-rows.js'
import type { EventRow } from '../../src/ingest/event-row.js'

export const decodeEventRows = createEventRowDecoder(
  EVENT_COLUMNS,
  ({ head, properties, traits, context, tail }) =>
    ({
      timestamp: head[0],
      tenant_id: head[1],
      site_id: head[2],
      message_id: head[3],
      type: head[4],
      event: head[5],
      name: head[6],
      anonymous_id: head[7],
      user_id: head[8],
      session_id: head[9],
      original_timestamp: head[10],
      sent_at: head[11],
      received_at: head[12],
      url: head[13],
      path: head[14],
      referrer: head[15],
      title: head[16],
      utm_source: head[17],
      utm_medium: head[18],
      utm_campaign: head[19],
      utm_term: head[20],
      utm_content: head[21],
      browser: head[22],
      browser_version: head[23],
      os: head[24],
      os_version: head[25],
      device_type: head[26],
      user_agent: head[27],
      ip: head[28],
      library_name: head[29],
      library_version: head[30],
      locale: head[31],
      score: head[32],
      engagement: head[33],
      bot: head[34],
      properties,
      traits,
      context,
      retention_days: tail[0],
      country: tail[1] ?? '',
    }) as EventRow,
)
