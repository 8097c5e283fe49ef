import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  computeScore,
  createScoreState,
  pruneState,
  testPredicate,
} from '../../src/scoring/compute-score.js'
import { scoringRulesSchema } from '../../src/scoring/scoring-rules.js'

const DAY = 86_400_000
const rules = scoringRulesSchema.parse({
  groups: [
    { name: 'fit', kind: 'fit', cap: 15 },
    { name: 'decayed', kind: 'engagement', cap: 50, halfLifeDays: 10 },
    { name: 'framed', kind: 'engagement', timeFrameDays: 7 },
    { name: 'forever', kind: 'engagement' },
  ],
  fit: [
    {
      group: 'fit',
      where: { property: 'emailDomain', operator: 'in', value: ['acme.com', 'corp.com'] },
      points: 10,
    },
    { group: 'fit', where: { property: 'seats', operator: 'gte', value: 10 }, points: 10 },
    { group: 'fit', where: { property: 'email', operator: 'contains', value: 'gmail' }, points: -20 },
  ],
  engagement: [
    { group: 'decayed', type: 'page', points: 8 },
    {
      group: 'framed',
      type: 'track',
      event: 'Demo Requested',
      where: [{ property: 'plan', operator: 'eq', value: 'PRO' }],
      points: 20,
    },
    { group: 'forever', minSmartScore: 7, engagement: ['high'], points: 1, smartScoreWeight: 0.5 },
  ],
  totalCap: 60,
})

const event = (fields: Partial<Parameters<typeof applyEvent>[2]>) => ({
  type: 'page',
  event: '',
  path: '/',
  properties: {},
  score: 0,
  engagement: '',
  at: 0,
  ...fields,
})

describe('computeScore', () => {
  it('halves decayed points every half-life, in any event order', () => {
    const inOrder = createScoreState()
    applyEvent(rules, inOrder, event({ at: 0 }))
    applyEvent(rules, inOrder, event({ at: 10 * DAY }))
    const reversed = createScoreState()
    applyEvent(rules, reversed, event({ at: 10 * DAY }))
    applyEvent(rules, reversed, event({ at: 0 }))
    for (const state of [inOrder, reversed]) {
      // 8 × 0.5^(20/10) + 8 × 0.5^(10/10) = 2 + 4
      expect(computeScore(rules, state, {}, 20 * DAY).groups[1]).toEqual({
        name: 'decayed',
        kind: 'engagement',
        points: 6,
        cap: 50,
      })
    }
  })

  it('counts time-frame points only inside the frame and prunes older days', () => {
    const state = createScoreState()
    applyEvent(
      rules,
      state,
      event({ type: 'track', event: 'Demo Requested', properties: { plan: 'pro' }, at: 0 }),
    )
    applyEvent(
      rules,
      state,
      event({ type: 'track', event: 'Demo Requested', properties: { plan: 'free' }, at: DAY }),
    )
    applyEvent(
      rules,
      state,
      event({ type: 'track', event: 'Demo Requested', properties: { plan: 'pro' }, at: 5 * DAY }),
    )
    expect(computeScore(rules, state, {}, 6 * DAY).groups[2]!.points).toBe(40)
    expect(computeScore(rules, state, {}, 8 * DAY).groups[2]!.points).toBe(20)
    pruneState(rules, state, 8 * DAY)
    expect(Object.keys(state.groups.framed!.days!)).toEqual(['5'])
  })

  it('adds smart-score points, caps groups and the total, and floors at zero', () => {
    const state = createScoreState()
    applyEvent(rules, state, event({ score: 9, engagement: 'high' }))
    applyEvent(rules, state, event({ score: 6, engagement: 'high' }))
    expect(computeScore(rules, state, {}, 0).groups[3]!.points).toBe(5.5)
    const fit = computeScore(rules, createScoreState(), { emailDomain: 'ACME.com', seats: 12 }, 0)
    expect(fit).toMatchObject({ fit: 15, engagement: 0, total: 15 })
    const negative = computeScore(rules, createScoreState(), { email: 'a@gmail.com' }, 0)
    expect(negative).toMatchObject({ fit: -20, total: 0 })
    for (let i = 0; i < 20; i += 1) applyEvent(rules, state, event({ at: 0 }))
    expect(computeScore(rules, state, { emailDomain: 'acme.com', seats: 50 }, 0).total).toBe(60)
  })

  it('tests predicates case-insensitively and treats empty values as absent', () => {
    expect(testPredicate({ property: 'a', operator: 'exists' }, { a: '' })).toBe(false)
    expect(testPredicate({ property: 'a', operator: 'not_exists' }, {})).toBe(true)
    expect(testPredicate({ property: 'a', operator: 'neq', value: 'X' }, { a: 'x' })).toBe(false)
    expect(testPredicate({ property: 'a', operator: 'lt', value: 3 }, { a: '2' })).toBe(true)
    expect(testPredicate({ property: 'a', operator: 'not_contains', value: 'b' }, { a: 'ABC' })).toBe(false)
    expect(testPredicate({ property: 'a', operator: 'eq', value: 'x' }, { a: { nested: 'x' } })).toBe(false)
  })

  it('refuses rules that name missing groups or mix recency modes', () => {
    expect(() =>
      scoringRulesSchema.parse({
        groups: [{ name: 'g', kind: 'engagement', halfLifeDays: 1, timeFrameDays: 1 }],
      }),
    ).toThrow(/not both/)
    expect(() =>
      scoringRulesSchema.parse({
        groups: [{ name: 'g', kind: 'fit' }],
        engagement: [{ group: 'g', points: 1 }],
      }),
    ).toThrow(/no engagement group/)
  })
})
