/** The segment form's simple conditions and the CRM's filterGroups they stand for, both ways. */
import { describe, expect, it } from 'vitest'
import { BUILT_IN_FIELDS, toConditions, toCustomFields, toFilterGroups } from '../src/segment-filter.js'

const fields = [
  ...BUILT_IN_FIELDS,
  ...toCustomFields([
    { name: 'plan', label: 'Plan', type: 'enum', options: ['free', 'pro'] },
    { name: 'seats', label: '', type: 'number', options: [] },
  ]),
]

describe('toFilterGroups', () => {
  it('makes one group of AND-ed filters, numbers as numbers', () => {
    expect(
      toFilterGroups(
        [
          { property: 'score', operator: 'GTE', value: '60' },
          { property: 'lifecycleStage', operator: 'EQ', value: 'customer' },
          { property: 'properties.plan', operator: 'EQ', value: 'pro' },
          { property: 'source', operator: 'HAS_PROPERTY', value: 'ignored' },
        ],
        fields,
      ),
    ).toEqual([
      {
        filters: [
          { propertyName: 'score', operator: 'GTE', value: 60 },
          { propertyName: 'lifecycleStage', operator: 'EQ', value: 'customer' },
          { propertyName: 'properties.plan', operator: 'EQ', value: 'pro' },
          { propertyName: 'source', operator: 'HAS_PROPERTY' },
        ],
      },
    ])
  })

  it('sends a number field’s non-number as typed (the CRM names the field) and no group for no conditions', () => {
    expect(toFilterGroups([{ property: 'properties.seats', operator: 'LTE', value: 'ten' }], fields)).toEqual(
      [{ filters: [{ propertyName: 'properties.seats', operator: 'LTE', value: 'ten' }] }],
    )
    expect(toFilterGroups([], fields)).toEqual([])
  })
})

describe('toConditions', () => {
  it('reads back what toFilterGroups wrote', () => {
    const conditions = [
      { property: 'score', operator: 'GTE' as const, value: '60' },
      { property: 'properties.plan', operator: 'NEQ' as const, value: 'free' },
      { property: 'email', operator: 'HAS_PROPERTY' as const, value: '' },
    ]
    expect(toConditions(toFilterGroups(conditions, fields), fields)).toEqual(conditions)
    expect(toConditions([], fields)).toEqual([])
  })

  it('gives up (JSON editing) on what the simple form cannot show', () => {
    const one = { filters: [{ propertyName: 'score', operator: 'GTE', value: 1 }] }
    expect(toConditions([one, one], fields)).toBeUndefined()
    expect(
      toConditions(
        [{ filters: [{ propertyName: 'score', operator: 'BETWEEN', value: 1, highValue: 5 }] }],
        fields,
      ),
    ).toBeUndefined()
    expect(
      toConditions([{ filters: [{ propertyName: 'source', operator: 'IN', values: ['a', 'b'] }] }], fields),
    ).toBeUndefined()
    expect(
      toConditions([{ filters: [{ propertyName: 'properties.gone', operator: 'EQ', value: 'x' }] }], fields),
    ).toBeUndefined()
  })
})
