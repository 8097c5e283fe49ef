/**
 * A contact: who they are, their lead score and its groups, their deals, notes (editors can add
 * one) and the full timeline: web, server and device events and CRM changes, newest first.
 */
import { useState } from 'preact/hooks'
import { request, useApi } from '../api.js'
import { useApp } from '../app-context.js'
import { ErrorNote, Load } from '../components/states.js'
import {
  getContactName,
  type Contact,
  type Deal,
  type Note,
  type Page,
  type Score,
  type TimelineItem,
} from '../crm-types.js'
import { href } from '../router.js'

export function ContactView({ id }: { id: string }) {
  const { format, canEdit } = useApp()
  const path = `/v1/crm/contacts/${encodeURIComponent(id)}`
  const contact = useApi<Contact>(path)
  const score = useApi<Score>(`${path}/score`)
  const deals = useApi<Page<Deal>>(`/v1/crm/deals?contactId=${encodeURIComponent(id)}&limit=50`)
  const notes = useApi<Page<Note>>(`/v1/crm/notes?contactId=${encodeURIComponent(id)}&limit=50`)
  const timeline = useApi<Page<TimelineItem>>(`${path}/timeline?limit=100`)
  const [noteError, setNoteError] = useState<Error>()

  async function addNote(event: Event) {
    event.preventDefault()
    const form = event.currentTarget as HTMLFormElement
    const input = form.elements.namedItem('note') as HTMLTextAreaElement
    setNoteError(undefined)
    try {
      await request('/v1/crm/notes', { method: 'POST', body: { body: input.value, contactId: id } })
      input.value = ''
      notes.reload()
      timeline.reload()
    } catch (caught) {
      setNoteError(caught as Error)
    }
  }

  return (
    <>
      <p>
        <a href={href('contacts')}>← Contacts</a>
      </p>
      <Load state={contact}>
        {(data) => (
          <div class="heading">
            <h1>{getContactName(data)}</h1>
            <p class="muted">
              {[data.email, data.phone, data.lifecycleStage, `source: ${data.source}`]
                .filter(Boolean)
                .join(' · ')}
            </p>
          </div>
        )}
      </Load>
      <div class="grid">
        <section class="card" aria-label="Lead score">
          <h2>Lead score</h2>
          <Load state={score}>
            {(data) => (
              <>
                <p class="score" data-testid="lead-score">
                  {format.number(data.total)}
                </p>
                <p class="muted">
                  fit {format.number(data.fit)} · engagement {format.number(data.engagement)}
                </p>
                <ul class="plain">
                  {data.groups
                    .filter((group) => group.points !== 0)
                    .map((group) => (
                      <li>
                        {group.name}: {format.number(group.points)}
                      </li>
                    ))}
                </ul>
              </>
            )}
          </Load>
        </section>
        <section class="card" aria-label="Deals">
          <h2>Deals</h2>
          <Load state={deals}>
            {(data) =>
              data.results.length === 0 ? (
                <p class="muted">No deals.</p>
              ) : (
                <ul class="plain">
                  {data.results.map((deal) => (
                    <li>
                      <a href={href('pipeline')}>{deal.name}</a> · {deal.stageId} ·{' '}
                      {format.minorMoney(deal.amountMinor, deal.currency)}
                    </li>
                  ))}
                </ul>
              )
            }
          </Load>
        </section>
        <section class="card" aria-label="Notes">
          <h2>Notes</h2>
          <Load state={notes}>
            {(data) => (
              <ul class="plain notes">
                {data.results.map((note) => (
                  <li>
                    <p>{note.body}</p>
                    <span class="muted">{format.dateTime(note.createdAt)}</span>
                  </li>
                ))}
              </ul>
            )}
          </Load>
          {canEdit ? (
            <form onSubmit={addNote}>
              <label for="note">Add a note</label>
              <textarea id="note" name="note" required maxLength={10_000} rows={3} />
              {noteError && <ErrorNote error={noteError} />}
              <button type="submit">Save note</button>
            </form>
          ) : (
            <p class="muted">Read-only: your key is a viewer's.</p>
          )}
        </section>
      </div>
      <section class="card" aria-label="Timeline">
        <h2>Timeline</h2>
        <Load state={timeline}>
          {(data) => (
            <ol class="timeline">
              {data.results.map((item) => (
                <li data-source={item.source}>
                  <time dateTime={item.at}>{format.dateTime(item.at)}</time>
                  <span class={`badge badge-${item.source}`}>{item.source}</span>
                  <strong>{describeItem(item)}</strong>
                  {item.kind === 'event' && item.type === 'track' && describeProperties(item.properties)}
                </li>
              ))}
            </ol>
          )}
        </Load>
      </section>
    </>
  )
}

/** What a timeline item was: a CRM change, a page view, an identify or a tracked event. */
function describeItem(item: TimelineItem): string {
  if (item.kind === 'change') return `CRM: ${item.name}`
  if (item.type === 'page' || item.type === 'screen') return `Viewed ${item.path || item.name}`
  if (item.type === 'identify') return 'Identified'
  return item.name || item.type
}

/** A short line of an event's notable properties (revenue, value, currency). */
function describeProperties(properties: Record<string, unknown>) {
  const shown = ['revenue', 'total', 'value', 'currency', 'scrollDepth']
    .filter((name) => properties[name] !== undefined && typeof properties[name] !== 'object')
    .map((name) => `${name}: ${String(properties[name])}`)
  return shown.length > 0 ? <span class="muted"> {shown.join(', ')}</span> : null
}
