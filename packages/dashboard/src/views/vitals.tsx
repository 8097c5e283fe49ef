/**
 * Web Vitals: p75 of LCP, INP, CLS, FCP and TTFB over all pages (cards) and per page (table), rated
 * with web.dev's thresholds, with the good / needs improvement / poor distribution of samples.
 */
import { toQuery, useApi } from '../api.js'
import { useApp } from '../app-context.js'
import { Empty, Load } from '../components/states.js'

type Metric = 'LCP' | 'INP' | 'CLS' | 'FCP' | 'TTFB'
interface VitalRow {
  path: string | null
  metric: Metric
  p75: number
  rating: 'good' | 'needs-improvement' | 'poor'
  samples: number
  good: number
  needsImprovement: number
  poor: number
}

const METRICS: { id: Metric; name: string }[] = [
  { id: 'LCP', name: 'Largest Contentful Paint' },
  { id: 'INP', name: 'Interaction to Next Paint' },
  { id: 'CLS', name: 'Cumulative Layout Shift' },
  { id: 'FCP', name: 'First Contentful Paint' },
  { id: 'TTFB', name: 'Time to First Byte' },
]
const RATING_LABEL = { good: 'Good', 'needs-improvement': 'Needs improvement', poor: 'Poor' }

function showValue(metric: Metric, value: number): string {
  return metric === 'CLS'
    ? value.toFixed(3)
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${Math.round(value)} ms`
}

function Bands({ row }: { row: VitalRow }) {
  const { format } = useApp()
  const label = `${format.percent(row.good)} good, ${format.percent(row.needsImprovement)} needs improvement, ${format.percent(row.poor)} poor`
  return (
    <div class="bands" role="img" aria-label={label} title={label}>
      <span class="good" style={{ flexGrow: row.good }} />
      <span class="ni" style={{ flexGrow: row.needsImprovement }} />
      <span class="poor" style={{ flexGrow: row.poor }} />
    </div>
  )
}

export function VitalsView() {
  const { range } = useApp()
  const vitals = useApi<{ results: VitalRow[] }>(
    `/v1/analytics/web-vitals${toQuery({ from: range.from, to: range.to, site: range.site })}`,
  )
  return (
    <>
      <h1>Web Vitals</h1>
      <Load state={vitals}>
        {({ results }) => {
          if (results.length === 0) return <Empty>No Web Vital events in this range yet.</Empty>
          const overall = results.filter((row) => row.path === null)
          const pages = [...new Set(results.filter((row) => row.path !== null).map((row) => row.path!))]
          return (
            <>
              <ul class="kpis vitals">
                {METRICS.map(({ id, name }) => {
                  const row = overall.find((candidate) => candidate.metric === id)
                  return (
                    <li data-metric={id}>
                      <span class="kpi-label">
                        <abbr title={name}>{id}</abbr> p75
                      </span>
                      <strong class={`kpi-value rating-${row?.rating ?? 'none'}`}>
                        {row ? showValue(id, row.p75) : '–'}
                      </strong>
                      <span>
                        {row ? `${RATING_LABEL[row.rating]} · ${row.samples} samples` : 'no samples'}
                      </span>
                      {row && <Bands row={row} />}
                    </li>
                  )
                })}
              </ul>
              <section class="card">
                <h2>By page</h2>
                <div class="scroll">
                  <table>
                    <caption class="visually-hidden">p75 per page and metric</caption>
                    <thead>
                      <tr>
                        <th scope="col">Page</th>
                        {METRICS.map(({ id }) => (
                          <th scope="col">{id}</th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {pages.map((path) => (
                        <tr>
                          <th scope="row">{path || '(no path)'}</th>
                          {METRICS.map(({ id }) => {
                            const row = results.find(
                              (candidate) => candidate.path === path && candidate.metric === id,
                            )
                            return (
                              <td class={row ? `rating-${row.rating}` : 'muted'}>
                                {row ? (
                                  <>
                                    {showValue(id, row.p75)}{' '}
                                    <span class="visually-hidden">{RATING_LABEL[row.rating]}</span>
                                    <Bands row={row} />
                                  </>
                                ) : (
                                  '–'
                                )}
                              </td>
                            )
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </section>
            </>
          )
        }}
      </Load>
    </>
  )
}
