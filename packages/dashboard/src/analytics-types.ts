/** Answers of the collector's `/v1/analytics/*` routes, as the views read them. */
export interface OverviewTotals {
  visitors: number
  sessions: number
  pageViews: number
  bounceRate: number
  avgSessionSeconds: number
  conversions: number
  revenue: number
}

export interface Overview {
  current: OverviewTotals
  previous: OverviewTotals
  interval: 'hour' | 'day'
  series: { t: number; visitors: number; pageViews: number }[]
}

export interface Breakdown {
  breakdown: string
  countOf: 'pageViews' | 'sessions'
  results: { value: string; visitors: number; count: number }[]
}

export interface VisitorsNow {
  visitors: number
  pages: { path: string; visitors: number }[]
}
