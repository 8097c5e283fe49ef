/**
 * Destinations: each forwarding destination's state (enabled, dry run, failing), lag behind the
 * log, delivered / failed / retrying counts, the last error, and a replay of the chosen range
 * (editors and owners; the platforms deduplicate by event id).
 */
import { useState } from 'preact/hooks'
import { request, useApi } from '../api.js'
import { useApp } from '../app-context.js'
import { Empty, ErrorNote, Load } from '../components/states.js'

interface Destination {
  id: string
  type: string
  enabled: boolean
  dryRun: boolean
  lag?: { bytes: number; seconds: number }
  failing: boolean
  delivered: number
  failed: number
  retrying: number
  lastError?: string | { message?: string; at?: string }
  replay?: { state?: string; sent?: number }
}

export function DestinationsView() {
  const { format, canEdit, range } = useApp()
  const destinations = useApi<{ destinations: Destination[] }>('/v1/destinations')
  const [message, setMessage] = useState<string>()
  const [error, setError] = useState<Error>()

  async function replay(id: string) {
    setError(undefined)
    try {
      await request(`/v1/destinations/${encodeURIComponent(id)}/replay`, {
        method: 'POST',
        body: { from: range.from, to: range.to },
      })
      setMessage(`Replay of ${id} started.`)
      destinations.reload()
    } catch (caught) {
      setError(caught as Error)
    }
  }

  return (
    <>
      <h1>Destinations</h1>
      {error && <ErrorNote error={error} />}
      {message && (
        <p role="status" class="muted">
          {message}
        </p>
      )}
      <Load state={destinations}>
        {(data) =>
          data.destinations.length === 0 ? (
            <Empty>No destinations: add Meta CAPI, GA4 or webhooks to the tenant's config.</Empty>
          ) : (
            <section class="card">
              <div class="scroll">
                <table>
                  <caption class="visually-hidden">Forwarding destinations</caption>
                  <thead>
                    <tr>
                      <th scope="col">Destination</th>
                      <th scope="col">Status</th>
                      <th scope="col" class="num">
                        Lag
                      </th>
                      <th scope="col" class="num">
                        Delivered
                      </th>
                      <th scope="col" class="num">
                        Failed
                      </th>
                      <th scope="col" class="num">
                        Retrying
                      </th>
                      <th scope="col">Last error</th>
                      <th scope="col">Replay</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.destinations.map((destination) => (
                      <tr data-destination={destination.id}>
                        <th scope="row">
                          {destination.id} <span class="muted">{destination.type}</span>
                        </th>
                        <td>
                          <span
                            class={`badge ${destination.failing ? 'badge-poor' : destination.enabled ? 'badge-good' : ''}`}
                          >
                            {!destination.enabled
                              ? 'disabled'
                              : destination.failing
                                ? 'failing'
                                : destination.dryRun
                                  ? 'dry run'
                                  : 'ok'}
                          </span>
                        </td>
                        <td class="num">
                          {destination.lag ? format.duration(destination.lag.seconds) : '–'}
                        </td>
                        <td class="num">{format.number(destination.delivered)}</td>
                        <td class="num">{format.number(destination.failed)}</td>
                        <td class="num">{format.number(destination.retrying)}</td>
                        <td>{describeError(destination.lastError)}</td>
                        <td>
                          <button
                            type="button"
                            disabled={!canEdit || !destination.enabled}
                            title={canEdit ? 'Re-send the chosen range' : 'Needs an editor or owner key'}
                            onClick={() => void replay(destination.id)}
                          >
                            Replay range
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          )
        }
      </Load>
    </>
  )
}

function describeError(error: Destination['lastError']): string {
  if (!error) return '–'
  return typeof error === 'string' ? error : (error.message ?? JSON.stringify(error))
}
