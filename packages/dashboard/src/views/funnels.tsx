/**
 * Funnels: steps of events or page paths (a trailing `*` matches a prefix), each within a window
 * of the first; visitors per step, conversion from the first and drop-off from the previous.
 */
import { useEffect, useState } from 'preact/hooks'
import { request } from '../api.js'
import { useApp } from '../app-context.js'
import { ErrorNote, Loading } from '../components/states.js'

type Step = { kind: 'path' | 'event'; value: string }
interface FunnelAnswer {
  steps: { step: { event?: string; path?: string }; visitors: number; conversion: number; dropOff: number }[]
}

const DEFAULT_STEPS: Step[] = [
  { kind: 'path', value: '/examples/landing-page/' },
  { kind: 'event', value: 'CTA Clicked' },
  { kind: 'event', value: 'Lead Created' },
]

export function FunnelsView() {
  const { range, format } = useApp()
  const [steps, setSteps] = useState<Step[]>(DEFAULT_STEPS)
  const [windowHours, setWindowHours] = useState(24)
  const [answer, setAnswer] = useState<FunnelAnswer>()
  const [error, setError] = useState<Error>()
  const [loading, setLoading] = useState(false)

  async function run() {
    setLoading(true)
    setError(undefined)
    try {
      const body = {
        steps: steps.map((step) => (step.kind === 'event' ? { event: step.value } : { path: step.value })),
        windowSeconds: windowHours * 3600,
        from: range.from,
        to: range.to,
        ...(range.site ? { site: range.site } : {}),
      }
      setAnswer((await request<FunnelAnswer>('/v1/analytics/funnel', { method: 'POST', body })).data)
    } catch (caught) {
      setError(caught as Error)
    } finally {
      setLoading(false)
    }
  }
  useEffect(() => {
    void run()
  }, [range])

  const update = (index: number, patch: Partial<Step>) =>
    setSteps(steps.map((step, i) => (i === index ? { ...step, ...patch } : step)))
  const first = answer?.steps[0]?.visitors ?? 0

  return (
    <>
      <h1>Funnels</h1>
      <form
        class="card funnel-form"
        onSubmit={(event) => {
          event.preventDefault()
          void run()
        }}
      >
        <ol>
          {steps.map((step, i) => (
            <li>
              <label>
                <span class="visually-hidden">Step {i + 1} kind</span>
                <select
                  value={step.kind}
                  onChange={(event) => update(i, { kind: event.currentTarget.value as Step['kind'] })}
                >
                  <option value="path">Page</option>
                  <option value="event">Event</option>
                </select>
              </label>
              <label>
                <span class="visually-hidden">
                  Step {i + 1} {step.kind === 'path' ? 'page path' : 'event name'}
                </span>
                <input
                  value={step.value}
                  required
                  placeholder={step.kind === 'path' ? '/pricing or /blog/*' : 'Signed Up'}
                  onInput={(event) => update(i, { value: event.currentTarget.value })}
                />
              </label>
              <button
                type="button"
                class="link"
                disabled={steps.length <= 2}
                onClick={() => setSteps(steps.filter((_, j) => j !== i))}
              >
                Remove<span class="visually-hidden"> step {i + 1}</span>
              </button>
            </li>
          ))}
        </ol>
        <div class="row">
          <button
            type="button"
            disabled={steps.length >= 10}
            onClick={() => setSteps([...steps, { kind: 'event', value: '' }])}
          >
            Add step
          </button>
          <label>
            Within{' '}
            <select
              value={windowHours}
              onChange={(event) => setWindowHours(Number(event.currentTarget.value))}
            >
              <option value={1}>1 hour</option>
              <option value={24}>1 day</option>
              <option value={168}>7 days</option>
              <option value={720}>30 days</option>
            </select>
          </label>
          <button type="submit">Show funnel</button>
        </div>
      </form>
      {error && <ErrorNote error={error} />}
      {loading && <Loading />}
      {answer && (
        <section class="card" aria-label="Funnel result">
          <ol class="funnel">
            {answer.steps.map((step, i) => (
              <li data-testid="funnel-step">
                <div class="funnel-label">
                  <span>
                    {i + 1}. {step.step.event ?? step.step.path}
                  </span>
                  <span>
                    <strong>{format.number(step.visitors)}</strong> visitors ·{' '}
                    {format.percent(step.conversion)}
                    {i > 0 && <span class="down"> · {format.percent(step.dropOff)} dropped</span>}
                  </span>
                </div>
                <div class="funnel-bar" style={{ width: `${first ? (step.visitors / first) * 100 : 0}%` }} />
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  )
}
