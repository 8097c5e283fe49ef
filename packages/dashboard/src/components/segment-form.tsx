/**
 * Saves a segment (`POST /v1/crm/segments`) or changes one (`PATCH` with `If-Match`; `DELETE`,
 * asked twice): a name, optional free text, and conditions that all must hold, picked from the
 * contact fields, the customer-value fields and the tenant's custom properties. Filters beyond
 * that (several OR-ed groups, BETWEEN, IN…) are edited as the CRM's `filterGroups` JSON.
 */
import { useEffect, useState } from 'preact/hooks'
import { request, useApi } from '../api.js'
import type { FilterGroups, PropertyDefinition, Segment } from '../crm-types.js'
import {
  BUILT_IN_FIELDS,
  OPERATORS,
  toConditions,
  toCustomFields,
  toFilterGroups,
  type Condition,
  type SegmentField,
} from '../segment-filter.js'
import { Field, FieldError, FormActions, useForm } from './form.js'

export function SegmentForm({
  segment,
  onSaved,
  onDeleted,
  onCancel,
}: {
  /** The segment to edit; none to create one. */
  segment?: Segment
  onSaved: (segment: Segment) => void
  onDeleted: () => void
  onCancel: () => void
}) {
  const properties = useApi<{ results: PropertyDefinition[] }>('/v1/crm/properties/contact')
  if (!properties.data && !properties.error) return null
  const fields = [...BUILT_IN_FIELDS, ...toCustomFields(properties.data?.results ?? [])]
  return (
    <SegmentFields
      segment={segment}
      fields={fields}
      onSaved={onSaved}
      onDeleted={onDeleted}
      onCancel={onCancel}
    />
  )
}

function SegmentFields({
  segment,
  fields,
  onSaved,
  onDeleted,
  onCancel,
}: {
  segment?: Segment
  fields: SegmentField[]
  onSaved: (segment: Segment) => void
  onDeleted: () => void
  onCancel: () => void
}) {
  const simple = segment ? toConditions(segment.filterGroups, fields) : []
  const [conditions, setConditions] = useState<Condition[]>(simple ?? [])
  const [advanced, setAdvanced] = useState(simple === undefined)
  const [json, setJson] = useState(JSON.stringify(segment?.filterGroups ?? [], null, 2))
  const [deleting, setDeleting] = useState(false)
  const [note, setNote] = useState('')
  const prefix = segment ? `segment-${segment.id}` : 'new-segment'
  const paths = conditions.map((_, i) => `filterGroups.0.filters.${i}.value`)
  // The CRM names a condition by its path, or by its property when the value has the wrong type.
  const named = advanced ? ['filterGroups'] : [...paths, ...conditions.map((condition) => condition.property)]
  const form = useForm(['name', 'query', ...named], async (values) => {
    const filterGroups = advanced ? parseJson(json) : toFilterGroups(conditions, fields)
    const query = String(values.get('query') ?? '').trim()
    const body = { name: String(values.get('name') ?? '').trim(), filterGroups, ...(query ? { query } : {}) }
    if (!body.name) throw new FieldError('name', 'Name: the segment needs a name')
    const { data } = segment
      ? await request<Segment>(`/v1/crm/segments/${encodeURIComponent(segment.id)}`, {
          method: 'PATCH',
          // PATCH keeps an omitted query: an emptied one is sent as ''.
          body: { ...body, query },
          headers: { 'if-match': `"${segment.version}"` },
        })
      : await request<Segment>('/v1/crm/segments', { method: 'POST', body })
    onSaved(data)
  })
  useEffect(() => form.ref.current?.querySelector<HTMLElement>('input')?.focus(), [])

  function toggleAdvanced() {
    if (advanced) {
      const parsed = toConditions(safeParse(json) ?? [], fields)
      if (!parsed) {
        setNote('This filter says more than the simple form can show: it stays in JSON.')
        return
      }
      setConditions(parsed)
    } else {
      setJson(JSON.stringify(toFilterGroups(conditions, fields), null, 2))
    }
    setNote('')
    setAdvanced(!advanced)
  }

  const update = (index: number, patch: Partial<Condition>) =>
    setConditions(conditions.map((condition, i) => (i === index ? { ...condition, ...patch } : condition)))

  async function remove() {
    await request(`/v1/crm/segments/${encodeURIComponent(segment!.id)}`, { method: 'DELETE' })
    onDeleted()
  }

  return (
    <form
      class="card form"
      aria-label={segment ? `Edit segment ${segment.name}` : 'New segment'}
      ref={form.ref}
      onSubmit={form.onSubmit}
      noValidate
    >
      <h2>{segment ? `Edit segment ${segment.name}` : 'New segment'}</h2>
      <div class="fields">
        <Field form={form} id={`${prefix}-name`} name="name" label="Segment name">
          {(props) => <input {...props} defaultValue={segment?.name ?? ''} maxLength={200} />}
        </Field>
        <Field
          form={form}
          id={`${prefix}-query`}
          name="query"
          label="Text (optional)"
          hint="In the email, name or phone"
        >
          {(props) => <input {...props} defaultValue={segment?.query ?? ''} maxLength={200} />}
        </Field>
      </div>
      {advanced ? (
        <Field
          form={form}
          id={`${prefix}-json`}
          name="filterGroups"
          label="Filter groups (JSON)"
          hint="Groups are OR-ed, the filters in a group AND-ed; operators as in the CRM API"
        >
          {(props) => (
            <textarea
              {...props}
              class="code"
              rows={8}
              value={json}
              onInput={(event) => setJson(event.currentTarget.value)}
            />
          )}
        </Field>
      ) : (
        <fieldset class="conditions">
          <legend>Contacts where all of these hold</legend>
          {conditions.length === 0 && <p class="muted">No conditions: every contact.</p>}
          <ol class="plain">
            {conditions.map((condition, i) => (
              <ConditionRow
                form={form}
                id={`${prefix}-condition-${i}`}
                index={i}
                condition={condition}
                fields={fields}
                onChange={(patch) => update(i, patch)}
                onRemove={() => setConditions(conditions.filter((_, j) => j !== i))}
              />
            ))}
          </ol>
          <button
            type="button"
            class="secondary"
            onClick={() => setConditions([...conditions, { property: 'score', operator: 'GTE', value: '' }])}
          >
            Add condition
          </button>
        </fieldset>
      )}
      <button type="button" class="link" aria-pressed={advanced} onClick={toggleAdvanced}>
        Edit as JSON
      </button>
      {note && (
        <p class="muted" role="status">
          {note}
        </p>
      )}
      <FormActions form={form} submit="Save segment" onCancel={onCancel}>
        {segment &&
          (deleting ? (
            <button
              type="button"
              class="danger"
              onClick={() => void remove().catch(() => setDeleting(false))}
            >
              Delete for good
            </button>
          ) : (
            <button type="button" class="link" onClick={() => setDeleting(true)}>
              Delete segment
            </button>
          ))}
      </FormActions>
    </form>
  )
}

/** One condition: property, operator and value (a list for enums, a date picker for dates). */
function ConditionRow({
  form,
  id,
  index,
  condition,
  fields,
  onChange,
  onRemove,
}: {
  form: ReturnType<typeof useForm>
  id: string
  index: number
  condition: Condition
  fields: SegmentField[]
  onChange: (patch: Partial<Condition>) => void
  onRemove: () => void
}) {
  const field = fields.find((candidate) => candidate.name === condition.property) ?? fields[0]!
  const label = `Condition ${index + 1}`
  return (
    <li class="condition">
      <label>
        <span class="visually-hidden">{label}: property</span>
        <select
          value={field.name}
          onChange={(event) => {
            const next = fields.find((candidate) => candidate.name === event.currentTarget.value)!
            onChange({ property: next.name, operator: next.operators[0]!, value: next.options?.[0] ?? '' })
          }}
        >
          {fields.map((each) => (
            <option value={each.name}>{each.label}</option>
          ))}
        </select>
      </label>
      <label>
        <span class="visually-hidden">{label}: operator</span>
        <select
          value={condition.operator}
          onChange={(event) => onChange({ operator: event.currentTarget.value as Condition['operator'] })}
        >
          {field.operators.map((operator) => (
            <option value={operator}>{OPERATORS[operator]}</option>
          ))}
        </select>
      </label>
      {condition.operator !== 'HAS_PROPERTY' && (
        <Field
          form={form}
          id={`${id}-value`}
          name={`filterGroups.0.filters.${index}.value`}
          also={[condition.property]}
          label={<span class="visually-hidden">{label}: value</span>}
        >
          {(props) =>
            field.type === 'enum' ? (
              <select
                {...props}
                value={condition.value}
                onChange={(event) => onChange({ value: event.currentTarget.value })}
              >
                {field.options?.map((option) => (
                  <option value={option}>{option}</option>
                ))}
              </select>
            ) : (
              <input
                {...props}
                type={(field.type === 'date' ? 'date' : 'text') as 'text'}
                inputMode={field.type === 'number' ? 'decimal' : undefined}
                value={condition.value}
                onInput={(event) => onChange({ value: event.currentTarget.value })}
              />
            )
          }
        </Field>
      )}
      <button type="button" class="link" aria-label={`Remove condition ${index + 1}`} onClick={onRemove}>
        Remove
      </button>
    </li>
  )
}

function safeParse(text: string): FilterGroups | undefined {
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) ? (value as FilterGroups) : undefined
  } catch {
    return undefined
  }
}

/** @throws FieldError naming `filterGroups` when `text` is not a JSON array. */
function parseJson(text: string): FilterGroups {
  const groups = safeParse(text)
  if (!groups) throw new FieldError('filterGroups', 'filterGroups: not a JSON array of { filters: [...] }')
  return groups
}
