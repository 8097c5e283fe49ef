/**
 * Lead-scoring rules of a tenant, as HubSpot's current tool structures them (crm-anchors.md B2):
 * **fit** rules give points for what a contact is (property predicates, no decay), **engagement**
 * rules for what they do (event predicates). Rules roll up into groups, each group capped; the
 * total is capped too (default 100). Each engagement group counts events either within a time
 * frame (`timeFrameDays`) or with a half-life decay (`halfLifeDays`: points × 0.5^(age/half-life),
 * https://leadvibe-ms-site.pages.dev/glossary/score-decay/), never both. Negative points
 * disqualify. The browser SDK's smart-event score (1-10) and engagement level are event inputs.
 */
import { z } from 'zod'

const scalar = z.union([z.string().max(500), z.number(), z.boolean()])

/** A test on one property: of the contact (fit) or of the event's `properties` (engagement). */
export const predicateSchema = z.strictObject({
  /** Contact field (`email`, `phone`, `firstName`, `lastName`, `companyId`, `lifecycleStage`, `source`, `emailDomain`) or custom property name. */
  property: z.string().min(1).max(100),
  operator: z.enum([
    'eq',
    'neq',
    'contains',
    'not_contains',
    'gt',
    'gte',
    'lt',
    'lte',
    'in',
    'exists',
    'not_exists',
  ]),
  value: z.union([scalar, z.array(scalar).max(100)]).optional(),
})
export type Predicate = z.infer<typeof predicateSchema>

export const scoreGroupSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    kind: z.enum(['fit', 'engagement']),
    /** Most points the group can give. */
    cap: z.number().positive().optional(),
    /** Engagement only: count events of the last N days. */
    timeFrameDays: z.number().int().min(1).max(3650).optional(),
    /** Engagement only: an event's points halve every N days. */
    halfLifeDays: z.number().positive().max(3650).optional(),
  })
  .refine((group) => !(group.timeFrameDays && group.halfLifeDays), {
    message: 'a group uses timeFrameDays or halfLifeDays, not both',
    path: ['halfLifeDays'],
  })

export const fitRuleSchema = z.strictObject({
  group: z.string().min(1).max(100),
  where: predicateSchema,
  points: z.number().min(-1000).max(1000),
})

export const engagementRuleSchema = z.strictObject({
  group: z.string().min(1).max(100),
  /** Event type (`track`, `page`, `screen`, `identify`); any when unset. */
  type: z.enum(['track', 'page', 'screen', 'identify']).optional(),
  /** Track event name, exact. */
  event: z.string().max(200).optional(),
  /** Page path prefix (`/pricing`). */
  pathPrefix: z.string().max(500).optional(),
  /** Predicates on the event's properties, all must hold. */
  where: z.array(predicateSchema).max(10).optional(),
  /** Only events the browser scored at least this relevant (1-10). */
  minSmartScore: z.number().int().min(1).max(10).optional(),
  /** Only events sent at one of these engagement levels. */
  engagement: z
    .array(z.enum(['low', 'medium', 'high']))
    .max(3)
    .optional(),
  points: z.number().min(-1000).max(1000),
  /** Extra points per unit of the event's smart-event score. */
  smartScoreWeight: z.number().min(0).max(100).optional(),
})

export const scoringRulesSchema = z
  .strictObject({
    groups: z.array(scoreGroupSchema).min(1).max(50),
    fit: z.array(fitRuleSchema).max(200).default([]),
    engagement: z.array(engagementRuleSchema).max(200).default([]),
    /** Largest total score. */
    totalCap: z.number().positive().max(10_000).default(100),
    /** A contact crossing this total fires `contact.hot_lead`. */
    hotLeadThreshold: z.number().positive().max(10_000).default(60),
  })
  .superRefine((rules, ctx) => {
    const groups = new Map(rules.groups.map((group) => [group.name, group.kind]))
    rules.fit.forEach((rule, i) => {
      if (groups.get(rule.group) !== 'fit')
        ctx.addIssue({ code: 'custom', message: `no fit group "${rule.group}"`, path: ['fit', i, 'group'] })
    })
    rules.engagement.forEach((rule, i) => {
      if (groups.get(rule.group) !== 'engagement') {
        ctx.addIssue({
          code: 'custom',
          message: `no engagement group "${rule.group}"`,
          path: ['engagement', i, 'group'],
        })
      }
    })
  })

export type ScoringRules = z.output<typeof scoringRulesSchema>
export type EngagementRule = ScoringRules['engagement'][number]

/**
 * Rules used until a tenant sets its own: a contact with an email and a name fits; visits decay
 * with a 14-day half-life; a lead form or order counts fully for 90 days; highly engaged sessions
 * and events the browser scored ≥ 8 add a little.
 */
export const DEFAULT_SCORING_RULES: ScoringRules = scoringRulesSchema.parse({
  groups: [
    { name: 'profile', kind: 'fit', cap: 30 },
    { name: 'visits', kind: 'engagement', cap: 20, halfLifeDays: 14 },
    { name: 'conversions', kind: 'engagement', cap: 60, timeFrameDays: 90 },
    { name: 'attention', kind: 'engagement', cap: 15, halfLifeDays: 7 },
  ],
  fit: [
    { group: 'profile', where: { property: 'email', operator: 'exists' }, points: 10 },
    { group: 'profile', where: { property: 'phone', operator: 'exists' }, points: 10 },
    { group: 'profile', where: { property: 'lastName', operator: 'exists' }, points: 5 },
    { group: 'profile', where: { property: 'companyId', operator: 'exists' }, points: 5 },
  ],
  engagement: [
    { group: 'visits', type: 'page', points: 2 },
    { group: 'visits', type: 'page', pathPrefix: '/pricing', points: 5 },
    { group: 'conversions', type: 'track', event: 'Lead Created', points: 30 },
    { group: 'conversions', type: 'track', event: 'Order Completed', points: 40 },
    { group: 'attention', engagement: ['high'], points: 3 },
    { group: 'attention', minSmartScore: 8, points: 1 },
  ],
  totalCap: 100,
  hotLeadThreshold: 60,
})
