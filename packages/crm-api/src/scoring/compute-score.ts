/**
 * The scoring arithmetic, pure: the state kept per contact, applying one event to it, and the
 * score it gives at a time. The state keeps raw accumulations per engagement group (a decayed
 * value and its time for half-life groups, points per day for time-frame groups), so a score read
 * later is decayed to that moment without a nightly job, and applying an event is O(rules).
 * Recomputing from ClickHouse replays the same function over stored events, so the incremental
 * and on-demand paths cannot disagree.
 */
import type { EngagementRule, Predicate, ScoringRules } from './scoring-rules.js'

const DAY_MS = 86_400_000

/** Accumulated engagement of one group. */
export interface GroupState {
  /** Half-life groups: value at `at`; groups without recency: plain sum. */
  value?: number
  /** Epoch ms `value` is decayed to. */
  at?: number
  /** Time-frame groups: points per UTC day number. */
  days?: Record<string, number>
}

/** What is stored per contact (`crm_scores.state`). */
export interface ScoreState {
  groups: Record<string, GroupState>
  /** Whether the contact is above the hot-lead threshold (so the webhook fires once per crossing). */
  hot: boolean
}

/** An event as scoring sees it. */
export interface ScoredEvent {
  type: string
  event: string
  path: string
  properties: Record<string, unknown>
  /** Smart-event score 1-10, 0 when none. */
  score: number
  engagement: string
  /** Epoch ms. */
  at: number
}

/** A score at a moment. */
export interface Score {
  fit: number
  engagement: number
  total: number
  groups: { name: string; kind: 'fit' | 'engagement'; points: number; cap: number | undefined }[]
}

export function createScoreState(): ScoreState {
  return { groups: {}, hot: false }
}

function toComparable(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return undefined
}

/** Whether `values[predicate.property]` satisfies the predicate. Strings compare case-insensitively. */
export function testPredicate(predicate: Predicate, values: Record<string, unknown>): boolean {
  const actual = toComparable(values[predicate.property])
  const present = actual !== undefined && actual !== ''
  const expected = predicate.value
  const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value)
  switch (predicate.operator) {
    case 'exists':
      return present
    case 'not_exists':
      return !present
    case 'eq':
      return present && lower(actual) === lower(expected)
    case 'neq':
      return lower(actual) !== lower(expected)
    case 'contains':
      return present && String(lower(actual)).includes(String(lower(expected)))
    case 'not_contains':
      return !present || !String(lower(actual)).includes(String(lower(expected)))
    case 'in':
      return present && Array.isArray(expected) && expected.some((value) => lower(value) === lower(actual))
    case 'gt':
      return present && Number(actual) > Number(expected)
    case 'gte':
      return present && Number(actual) >= Number(expected)
    case 'lt':
      return present && Number(actual) < Number(expected)
    case 'lte':
      return present && Number(actual) <= Number(expected)
  }
}

function matchesRule(rule: EngagementRule, event: ScoredEvent): boolean {
  if (rule.type && rule.type !== event.type) return false
  if (rule.event !== undefined && rule.event !== event.event) return false
  if (rule.pathPrefix !== undefined && !event.path.startsWith(rule.pathPrefix)) return false
  if (rule.minSmartScore !== undefined && event.score < rule.minSmartScore) return false
  if (rule.engagement && !rule.engagement.includes(event.engagement as 'low' | 'medium' | 'high'))
    return false
  return (rule.where ?? []).every((predicate) => testPredicate(predicate, event.properties))
}

/** Whether an event of this type and name can score at all (to skip loading state for noise). */
export function canScore(rules: ScoringRules, event: Pick<ScoredEvent, 'type' | 'event'>): boolean {
  return rules.engagement.some(
    (rule) =>
      (!rule.type || rule.type === event.type) && (rule.event === undefined || rule.event === event.event),
  )
}

/** Adds an event's points to `state` (mutated). Events older than a group's time frame add nothing. */
export function applyEvent(rules: ScoringRules, state: ScoreState, event: ScoredEvent): void {
  for (const rule of rules.engagement) {
    if (!matchesRule(rule, event)) continue
    const group = rules.groups.find((candidate) => candidate.name === rule.group)!
    const points = rule.points + (rule.smartScoreWeight ?? 0) * event.score
    const groupState = (state.groups[group.name] ??= {})
    if (group.halfLifeDays) {
      const halfLifeMs = group.halfLifeDays * DAY_MS
      const at = groupState.at ?? event.at
      // Keep the value at the later of the two times, decaying whichever is older.
      if (event.at >= at) {
        groupState.value = (groupState.value ?? 0) * 0.5 ** ((event.at - at) / halfLifeMs) + points
        groupState.at = event.at
      } else {
        groupState.value = (groupState.value ?? 0) + points * 0.5 ** ((at - event.at) / halfLifeMs)
        groupState.at = at
      }
    } else if (group.timeFrameDays) {
      const day = String(Math.floor(event.at / DAY_MS))
      groupState.days = { ...groupState.days, [day]: (groupState.days?.[day] ?? 0) + points }
    } else {
      groupState.value = (groupState.value ?? 0) + points
    }
  }
}

/** Drops time-frame days that can no longer count at `now` (keeps stored states small). */
export function pruneState(rules: ScoringRules, state: ScoreState, now: number): void {
  for (const group of rules.groups) {
    const days = state.groups[group.name]?.days
    if (!group.timeFrameDays || !days) continue
    const first = Math.floor(now / DAY_MS) - group.timeFrameDays + 1
    for (const day of Object.keys(days)) if (Number(day) < first) delete days[day]
  }
}

const round = (value: number) => Math.round(value * 10) / 10

/**
 * The score of a contact at `now`: fit from its fields (`contact`: field → value, custom
 * properties included), engagement from `state` decayed to `now`, each group capped, the total
 * capped at `totalCap` and floored at 0.
 */
export function computeScore(
  rules: ScoringRules,
  state: ScoreState,
  contact: Record<string, unknown>,
  now: number,
): Score {
  const groups: Score['groups'] = []
  let fit = 0
  let engagement = 0
  for (const group of rules.groups) {
    let points = 0
    if (group.kind === 'fit') {
      for (const rule of rules.fit) {
        if (rule.group === group.name && testPredicate(rule.where, contact)) points += rule.points
      }
    } else {
      const groupState = state.groups[group.name]
      if (group.halfLifeDays && groupState?.value !== undefined) {
        const age = Math.max(0, now - (groupState.at ?? now))
        points = groupState.value * 0.5 ** (age / (group.halfLifeDays * DAY_MS))
      } else if (group.timeFrameDays && groupState?.days) {
        const first = Math.floor(now / DAY_MS) - group.timeFrameDays + 1
        for (const [day, value] of Object.entries(groupState.days)) if (Number(day) >= first) points += value
      } else {
        points = groupState?.value ?? 0
      }
    }
    if (group.cap !== undefined) points = Math.min(points, group.cap)
    groups.push({ name: group.name, kind: group.kind, points: round(points), cap: group.cap })
    if (group.kind === 'fit') fit += points
    else engagement += points
  }
  return {
    fit: round(fit),
    engagement: round(engagement),
    total: round(Math.max(0, Math.min(rules.totalCap, fit + engagement))),
    groups,
  }
}
