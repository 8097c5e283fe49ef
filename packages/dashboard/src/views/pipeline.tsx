/**
 * The pipeline board: one column per stage with its deals, count and amount. Editors move a deal
 * by dragging its card to another column, or with the card's "Move to" menu (keyboard); the move
 * is a `PATCH /v1/crm/deals/:id { stageId }` with `If-Match` of the version shown, so a deal
 * someone changed meanwhile is not overwritten (412: the board reloads). Editors also create a
 * deal ("New deal") and edit a deal's name, amount, stage and contact ("Edit" on its card).
 */
import { useState } from 'preact/hooks'
import { ApiError, request, useApi } from '../api.js'
import { useApp } from '../app-context.js'
import { DealForm } from '../components/deal-form.js'
import { useReturnFocus } from '../components/form.js'
import { Empty, ErrorNote, Load } from '../components/states.js'
import type { Board, Deal, Stage } from '../crm-types.js'
import { href } from '../router.js'

export function PipelineView() {
  const pipelines = useApi<{ results: { id: string; name: string }[] }>('/v1/crm/pipelines')
  const [pipelineId, setPipelineId] = useState<string>()
  const id = pipelineId ?? pipelines.data?.results[0]?.id
  return (
    <>
      <div class="heading">
        <h1>Pipeline</h1>
        {pipelines.data && pipelines.data.results.length > 1 && (
          <label>
            Pipeline{' '}
            <select value={id} onChange={(event) => setPipelineId(event.currentTarget.value)}>
              {pipelines.data.results.map((pipeline) => (
                <option value={pipeline.id}>{pipeline.name}</option>
              ))}
            </select>
          </label>
        )}
      </div>
      <Load state={pipelines}>
        {() => (id ? <BoardView pipelineId={id} /> : <Empty>No pipelines.</Empty>)}
      </Load>
    </>
  )
}

function BoardView({ pipelineId }: { pipelineId: string }) {
  const { format, canEdit } = useApp()
  const board = useApi<Board>(`/v1/crm/pipelines/${encodeURIComponent(pipelineId)}/board?dealsPerStage=50`)
  const [error, setError] = useState<Error>()
  const [status, setStatus] = useState('')
  const [dragging, setDragging] = useState<string>()
  const [over, setOver] = useState<string>()
  /** The deal being edited, or 'new'. */
  const [editing, setEditing] = useState<string>()
  useReturnFocus(editing !== undefined)

  async function move(deal: Deal, stage: Stage) {
    if (deal.stageId === stage.id) return
    setError(undefined)
    try {
      await request<Deal>(`/v1/crm/deals/${encodeURIComponent(deal.id)}`, {
        method: 'PATCH',
        body: { stageId: stage.id },
        headers: { 'if-match': `"${deal.version}"` },
      })
      setStatus(`${deal.name} moved to ${stage.name}.`)
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 412
          ? new Error(`${deal.name} was changed by someone else; the board is reloaded.`)
          : (caught as Error),
      )
    }
    board.reload()
  }

  const findDeal = (id: string) =>
    board.data?.stages.flatMap((column) => column.deals).find((deal) => deal.id === id)

  return (
    <>
      {error && <ErrorNote error={error} />}
      <p class="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      {!canEdit && <p class="muted">Read-only: your key is a viewer's.</p>}
      <Load state={board}>
        {(data) => (
          <>
            {canEdit && (
              <div class="actions board-actions">
                <button type="button" aria-expanded={editing === 'new'} onClick={() => setEditing('new')}>
                  New deal
                </button>
              </div>
            )}
            {canEdit && editing !== undefined && (
              <DealForm
                key={editing}
                pipeline={data.pipeline}
                {...(editing === 'new' ? {} : { deal: findDeal(editing) })}
                onSaved={(deal) => {
                  setStatus(`${deal.name} ${editing === 'new' ? 'created' : 'saved'}.`)
                  setEditing(undefined)
                  board.reload()
                }}
                onCancel={() => setEditing(undefined)}
              />
            )}
            <div class="board">
              {data.stages.map((column) => (
                <section
                  class={`column ${over === column.stage.id ? 'over' : ''}`}
                  aria-label={`${column.stage.name}: ${column.count} deals`}
                  data-stage={column.stage.id}
                  onDragOver={(event) => {
                    if (!canEdit || !dragging) return
                    event.preventDefault()
                    setOver(column.stage.id)
                  }}
                  onDragLeave={() => setOver(undefined)}
                  onDrop={(event) => {
                    event.preventDefault()
                    setOver(undefined)
                    const deal = findDeal(event.dataTransfer?.getData('text/plain') || dragging || '')
                    setDragging(undefined)
                    if (deal) void move(deal, column.stage)
                  }}
                >
                  <h2>
                    {column.stage.name} <span class="muted">{column.count}</span>
                  </h2>
                  <p class="muted">
                    {column.amounts
                      .map((amount) => format.minorMoney(amount.amountMinor, amount.currency))
                      .join(' + ') || '–'}
                  </p>
                  <ul class="plain">
                    {column.deals.map((deal) => (
                      <li
                        class="deal"
                        data-deal={deal.id}
                        draggable={canEdit}
                        onDragStart={(event) => {
                          event.dataTransfer?.setData('text/plain', deal.id)
                          setDragging(deal.id)
                        }}
                        onDragEnd={() => setDragging(undefined)}
                      >
                        <strong>{deal.name}</strong>
                        <span>{format.minorMoney(deal.amountMinor, deal.currency)}</span>
                        {deal.contactId && <a href={href('contact', deal.contactId)}>Contact</a>}
                        {canEdit && (
                          <button
                            type="button"
                            class="link"
                            aria-label={`Edit ${deal.name}`}
                            aria-expanded={editing === deal.id}
                            onClick={() => setEditing(deal.id)}
                          >
                            Edit
                          </button>
                        )}
                        {canEdit && (
                          <label>
                            <span class="visually-hidden">Move {deal.name} to</span>
                            <select
                              value={deal.stageId}
                              onChange={(event) => {
                                const stage = data.pipeline.stages.find(
                                  (candidate) => candidate.id === event.currentTarget.value,
                                )
                                if (stage) void move(deal, stage)
                              }}
                            >
                              {data.pipeline.stages.map((stage) => (
                                <option value={stage.id}>{stage.name}</option>
                              ))}
                            </select>
                          </label>
                        )}
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
            </div>
          </>
        )}
      </Load>
    </>
  )
}
