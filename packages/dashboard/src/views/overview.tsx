/**
 * Overview: the range's totals against the previous period, visitors and page views over time,
 * the breakdowns (pages, entry/exit, sources, campaigns, devices, browsers, OS, countries) and a
 * live "visitors now" counter refreshed every 30 s. Three API calls.
 */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { toQuery, useApi } from '../api.js'
import type { Breakdown, Overview, OverviewTotals, VisitorsNow } from '../analytics-types.js'
import { useApp } from '../app-context.js'
import { LineChart } from '../components/line-chart.js'
import { Load } from '../components/states.js'
import { BarTable } from '../components/table.js'
import { getChange, getFlag } from '../format.js'

const BREAKDOWN_GROUPS = [
  {
    title: 'Pages',
    tabs: [
      ['pages', 'Top pages'],
      ['entry', 'Entry pages'],
      ['exit', 'Exit pages'],
    ],
  },
  {
    title: 'Sources',
    tabs: [
      ['sources', 'Sources'],
      ['campaigns', 'UTM campaigns'],
    ],
  },
  {
    title: 'Devices',
    tabs: [
      ['devices', 'Devices'],
      ['browsers', 'Browsers'],
      ['os', 'Operating systems'],
    ],
  },
  { title: 'Countries', tabs: [['countries', 'Countries']] },
] as const

const ALL_BREAKDOWNS = BREAKDOWN_GROUPS.flatMap((group) => group.tabs.map((tab) => tab[0])).join(',')

export function OverviewView() {
  const { range } = useApp()
  const query = toQuery({ from: range.from, to: range.to, site: range.site })
  const overview = useApi<Overview>(`/v1/analytics/overview${query}`)
  const breakdowns = useApi<{ breakdowns: Breakdown[] }>(
    `/v1/analytics/breakdown${query}&by=${ALL_BREAKDOWNS}`,
  )
  return (
    <>
      <div class="heading">
        <h1>Overview</h1>
        <LiveCounter site={range.site} />
      </div>
      <Load state={overview}>{(data) => <Totals data={data} />}</Load>
      <Load state={breakdowns}>
        {(data) => (
          <div class="grid">
            {BREAKDOWN_GROUPS.map((group) => (
              <BreakdownCard title={group.title} tabs={group.tabs} breakdowns={data.breakdowns} />
            ))}
          </div>
        )}
      </Load>
    </>
  )
}

function LiveCounter({ site }: { site: string }) {
  const live = useApi<VisitorsNow>(`/v1/analytics/live${toQuery({ site })}`)
  useEffect(() => {
    const timer = setInterval(live.reload, 30_000)
    return () => clearInterval(timer)
  }, [site])
  return (
    <p class="live" aria-live="polite" data-testid="visitors-now">
      <span class="dot" aria-hidden="true" />
      {live.data
        ? `${live.data.visitors} ${live.data.visitors === 1 ? 'visitor' : 'visitors'} now`
        : 'Visitors now: –'}
    </p>
  )
}

const KPIS: { key: keyof OverviewTotals; label: string; lowerIsBetter?: boolean }[] = [
  { key: 'visitors', label: 'Unique visitors' },
  { key: 'sessions', label: 'Sessions' },
  { key: 'pageViews', label: 'Page views' },
  { key: 'bounceRate', label: 'Bounce rate', lowerIsBetter: true },
  { key: 'avgSessionSeconds', label: 'Avg. session' },
  { key: 'conversions', label: 'Conversions' },
  { key: 'revenue', label: 'Revenue' },
]

function Totals({ data }: { data: Overview }) {
  const { format } = useApp()
  const show = (key: keyof OverviewTotals, value: number) =>
    key === 'bounceRate'
      ? format.percent(value)
      : key === 'avgSessionSeconds'
        ? format.duration(value)
        : key === 'revenue'
          ? format.money(value)
          : format.number(value)
  const hourly = data.interval === 'hour'
  const times = useMemo(() => data.series.map((point) => point.t), [data])
  const series = useMemo(
    () => [
      { label: 'Visitors', values: data.series.map((point) => point.visitors), color: '#2563eb' },
      { label: 'Page views', values: data.series.map((point) => point.pageViews), color: '#16a34a' },
    ],
    [data],
  )
  const formatTime = useMemo(() => (t: number) => format.axis(t, hourly), [format, hourly])
  return (
    <>
      <ul class="kpis">
        {KPIS.map(({ key, label, lowerIsBetter }) => {
          const change = getChange(data.current[key], data.previous[key])
          const good = change !== undefined && (lowerIsBetter ? change < 0 : change > 0)
          return (
            <li data-kpi={key}>
              <span class="kpi-label">{label}</span>
              <strong class="kpi-value">{show(key, data.current[key])}</strong>
              <span class={`change ${change === undefined || change === 0 ? '' : good ? 'up' : 'down'}`}>
                {change === undefined
                  ? 'no previous data'
                  : `${change > 0 ? '+' : ''}${format.percent(change)} vs previous`}
              </span>
            </li>
          )
        })}
      </ul>
      <section class="card">
        <h2>Visitors and page views</h2>
        <LineChart
          times={times}
          series={series}
          formatTime={formatTime}
          title="Visitors and page views over time"
        />
      </section>
    </>
  )
}

function BreakdownCard({
  title,
  tabs,
  breakdowns,
}: {
  title: string
  tabs: readonly (readonly [string, string])[]
  breakdowns: Breakdown[]
}) {
  const { format } = useApp()
  const [selected, setSelected] = useState(tabs[0]![0])
  const breakdown = breakdowns.find((candidate) => candidate.breakdown === selected)
  const label = tabs.find((tab) => tab[0] === selected)![1]
  return (
    <section class="card" aria-label={title}>
      <h2>{title}</h2>
      {tabs.length > 1 && (
        <div class="tabs" role="group" aria-label={`${title}: breakdown`}>
          {tabs.map(([id, name]) => (
            <button type="button" aria-pressed={selected === id} onClick={() => setSelected(id)}>
              {name}
            </button>
          ))}
        </div>
      )}
      {breakdown && (
        <BarTable
          caption={label}
          rows={breakdown.results.slice(0, 10)}
          label={(row) =>
            selected === 'countries' ? (
              <>
                <span aria-hidden="true">{getFlag(row.value)}</span> {format.country(row.value)}
              </>
            ) : (
              row.value
            )
          }
          value={(row) => row.count}
          columns={[
            { label: 'Visitors', numeric: true, render: (row) => format.number(row.visitors) },
            {
              label: breakdown.countOf === 'pageViews' ? 'Views' : 'Sessions',
              numeric: true,
              render: (row) => format.number(row.count),
            },
          ]}
        />
      )}
    </section>
  )
}
