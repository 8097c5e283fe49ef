/**
 * A contact: who they are, their lead score and its groups, their deals, notes and the full
 * timeline: web, server and device events and CRM changes, newest first. Editors add a deal (in the
 * first pipeline), edit one, mark it won or lost, take it off the contact or delete it, and add,
 * edit and delete notes.
 */
import { useState } from 'preact/hooks'
import { request, useApi, type Loaded } from '../api.js'
import { useApp } from '../app-context.js'
import { ConfirmDelete } from '../components/confirm-delete.js'
import { DealForm, patchDeal } from '../components/deal-form.js'
import { useReturnFocus } from '../components/form.js'
import { NoteItem } from '../components/note-item.js'
import { ErrorNote, Load } from '../components/states.js'
import {
  getContactName,
  type Contact,
  type Deal,
  type Note,
  type Page,
  type Pipeline,
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
        <DealsCard
          contactId={id}
          deals={deals}
          onChanged={() => {
            deals.reload()
            timeline.reload()
          }}
        />
        <section class="card" aria-label="Notes">
          <h2>Notes</h2>
          <Load state={notes}>
            {(data) => (
              <ul class="plain notes">
                {data.results.map((note) => (
                  <NoteItem
                    key={note.id}
                    note={note}
                    onChanged={() => {
                      notes.reload()
                      timeline.reload()
                    }}
                  />
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

/**
 * The contact's deals; editors add one, edit one, mark an open one won or lost, take one off the
 * contact (`PATCH` `contactId: ""`: it stays on the pipeline board) or delete one (`DELETE`, which
 * archives it; asked twice, as for a note).
 */
function DealsCard({
  contactId,
  deals,
  onChanged,
}: {
  contactId: string
  deals: Loaded<Page<Deal>>
  onChanged: () => void
}) {
  const { format, canEdit } = useApp()
  const pipelines = useApi<{ results: Pipeline[] }>('/v1/crm/pipelines')
  const [editing, setEditing] = useState<string>()
  /** The deal whose "Delete" was pressed once, waiting for "Delete for good" or "Keep". */
  const [deleting, setDeleting] = useState<string>()
  const [error, setError] = useState<Error>()
  const [status, setStatus] = useState('')
  useReturnFocus(editing !== undefined)
  const pipelineOf = (deal?: Deal) =>
    pipelines.data?.results.find((pipeline) => pipeline.id === deal?.pipelineId) ?? pipelines.data?.results[0]
  const stageName = (deal: Deal) =>
    pipelineOf(deal)?.stages.find((stage) => stage.id === deal.stageId)?.name ?? deal.stageId

  /** Runs `work` (a write to one deal), then says `done` or shows the error, and reloads the deals. */
  async function change(work: () => Promise<unknown>, done: string) {
    setError(undefined)
    try {
      await work()
      setStatus(done)
    } catch (caught) {
      setError(caught as Error)
    }
    setDeleting(undefined)
    onChanged()
  }

  function close(deal: Deal, outcome: 'won' | 'lost') {
    const stage = pipelineOf(deal)?.stages.find((candidate) =>
      outcome === 'won' ? candidate.isWon : candidate.isLost,
    )
    if (stage) void change(() => patchDeal(deal, { stageId: stage.id }), `${deal.name} marked ${outcome}.`)
  }

  const saved = (deal: Deal, verb: string) => {
    setEditing(undefined)
    setStatus(`${deal.name} ${verb}.`)
    onChanged()
  }

  return (
    <section class="card" aria-label="Deals">
      <h2>Deals</h2>
      <p class="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      {error && <ErrorNote error={error} />}
      <Load state={deals}>
        {(data) =>
          data.results.length === 0 ? (
            <p class="muted">No deals.</p>
          ) : (
            <ul class="plain deals">
              {data.results.map((deal) => {
                const pipeline = pipelineOf(deal)
                return (
                  <li key={deal.id} data-deal={deal.id}>
                    <a href={href('pipeline')}>{deal.name}</a> · {stageName(deal)} ·{' '}
                    {format.minorMoney(deal.amountMinor, deal.currency)}
                    {canEdit && pipeline && (
                      <div class="actions">
                        <button
                          type="button"
                          class="link"
                          aria-label={`Edit ${deal.name}`}
                          aria-expanded={editing === deal.id}
                          onClick={() => setEditing(deal.id)}
                        >
                          Edit
                        </button>
                        {deal.status === 'open' && (
                          <>
                            <button
                              type="button"
                              class="link"
                              aria-label={`Mark won: ${deal.name}`}
                              onClick={() => close(deal, 'won')}
                            >
                              Mark won
                            </button>
                            <button
                              type="button"
                              class="link"
                              aria-label={`Mark lost: ${deal.name}`}
                              onClick={() => close(deal, 'lost')}
                            >
                              Mark lost
                            </button>
                          </>
                        )}
                        <button
                          type="button"
                          class="link"
                          aria-label={`Take ${deal.name} off this contact`}
                          onClick={() =>
                            void change(
                              () => patchDeal(deal, { contactId: '' }),
                              `${deal.name} taken off this contact; it stays on the pipeline board.`,
                            )
                          }
                        >
                          Unlink
                        </button>
                        {deleting === deal.id ? (
                          <ConfirmDelete
                            label={`Delete ${deal.name} for good`}
                            onDelete={() =>
                              void change(
                                () =>
                                  request(`/v1/crm/deals/${encodeURIComponent(deal.id)}`, {
                                    method: 'DELETE',
                                  }),
                                `${deal.name} deleted.`,
                              )
                            }
                            onKeep={() => setDeleting(undefined)}
                          />
                        ) : (
                          <button
                            type="button"
                            class="link"
                            aria-label={`Delete ${deal.name}`}
                            onClick={() => setDeleting(deal.id)}
                          >
                            Delete
                          </button>
                        )}
                      </div>
                    )}
                    {pipeline && editing === deal.id && (
                      <DealForm
                        pipeline={pipeline}
                        deal={deal}
                        onSaved={(next) => saved(next, 'saved')}
                        onCancel={() => setEditing(undefined)}
                      />
                    )}
                  </li>
                )
              })}
            </ul>
          )
        }
      </Load>
      {canEdit && pipelineOf() && (
        <button type="button" aria-expanded={editing === 'new'} onClick={() => setEditing('new')}>
          Add deal
        </button>
      )}
      {canEdit && pipelineOf() && editing === 'new' && (
        <DealForm
          pipeline={pipelineOf()!}
          contactId={contactId}
          onSaved={(next) => saved(next, 'created')}
          onCancel={() => setEditing(undefined)}
        />
      )}
    </section>
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
