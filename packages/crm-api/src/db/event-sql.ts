/**
 * SQL fragments that resolve events to contacts through the identity map, never by rewriting
 * events (PostHog's person overrides, crm-anchors.md B4.2). An event belongs to the contact of the
 * identity it was linked through (RFID at a shared reader), else of its `user_id` (external id),
 * else of its `anonymous_id` (browser anonymous id or device id).
 */

/**
 * A subquery of the tenant's human events (`bot = 0`, one row per message id) with the columns
 * `columns` (of `events`) and the resolved `contact_id` ('' when the event's visitor is unknown).
 *
 * @param where condition on `events` columns, ANDed (use query parameters for values).
 */
export function getResolvedEventsSql(columns: string[], where: string): string {
  const selected = [...new Set([...columns, 'message_id', 'anonymous_id', 'user_id'])]
  return `(
  SELECT ${selected.map((column) => `e.${column} AS ${column}`).join(', ')},
    multiIf(k.contact_id != '', k.contact_id, u.contact_id != '', u.contact_id, a.contact_id) AS contact_id
  FROM (
    SELECT ${selected.join(', ')} FROM events
    WHERE tenant_id = {tenant:String} AND bot = 0 AND (${where})
    LIMIT 1 BY message_id
  ) AS e
  LEFT JOIN (
    SELECT value, any(contact_id) AS contact_id FROM crm_identities FINAL
    WHERE tenant_id = {tenant:String} AND kind = 'external_id' GROUP BY value
  ) AS u ON u.value = e.user_id
  LEFT JOIN (
    SELECT value, any(contact_id) AS contact_id FROM crm_identities FINAL
    WHERE tenant_id = {tenant:String} AND kind IN ('anon_id', 'device_id') GROUP BY value
  ) AS a ON a.value = e.anonymous_id
  LEFT JOIN (
    SELECT l.message_id AS message_id, any(i.contact_id) AS contact_id
    FROM crm_event_links AS l
    INNER JOIN (SELECT kind, value, contact_id FROM crm_identities FINAL WHERE tenant_id = {tenant:String}) AS i
      ON i.kind = l.kind AND i.value = l.value
    WHERE l.tenant_id = {tenant:String}
    GROUP BY l.message_id
  ) AS k ON k.message_id = e.message_id
)`
}
