/**
 * The range picker: a preset (last 24 hours … 90 days) or "Custom", which opens a small form of
 * two date inputs (days in the tenant's time zone, both included). The form applies on submit
 * (Apply or Enter) and says what is wrong, on the field at fault, instead of applying a range the
 * API would refuse.
 */
import { useState } from 'preact/hooks'
import { addDays, checkCustom, getDay, PRESET_DAYS, type RangeChoice } from '../range.js'

const PRESET_LABELS: Record<number, string> = {
  1: 'Last 24 hours',
  7: 'Last 7 days',
  30: 'Last 30 days',
  90: 'Last 90 days',
}

export function RangePicker({
  choice,
  timeZone,
  onChange,
}: {
  choice: RangeChoice
  timeZone: string
  onChange: (choice: RangeChoice) => void
}) {
  const [editing, setEditing] = useState(choice.kind === 'custom')
  const today = getDay(Date.now(), timeZone)
  // The form starts from the applied custom range, else from the preset's days.
  const initial =
    choice.kind === 'custom' ? choice : { from: addDays(today, 1 - Math.max(choice.days, 1)), to: today }
  const [draft, setDraft] = useState(initial)
  const [problem, setProblem] = useState<{ field: 'from' | 'to'; message: string }>()

  function select(value: string) {
    if (value === 'custom') {
      setDraft(initial)
      setProblem(undefined)
      setEditing(true)
      return
    }
    setEditing(false)
    onChange({ kind: 'preset', days: Number(value) })
  }

  function apply(event: Event) {
    event.preventDefault()
    const found = checkCustom(draft.from, draft.to)
    setProblem(found)
    if (found) {
      const form = event.currentTarget as HTMLFormElement
      ;(form.elements.namedItem(found.field) as HTMLInputElement | null)?.focus()
      return
    }
    onChange({ kind: 'custom', from: draft.from, to: draft.to })
  }

  const field = (name: 'from' | 'to', label: string) => (
    <label>
      {label}{' '}
      <input
        type="date"
        name={name}
        value={draft[name]}
        required
        aria-invalid={problem?.field === name ? 'true' : undefined}
        aria-describedby={problem?.field === name ? 'range-problem' : undefined}
        onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
      />
    </label>
  )

  return (
    <>
      <label>
        Range{' '}
        <select
          value={editing ? 'custom' : choice.kind === 'preset' ? choice.days : 'custom'}
          onChange={(event) => select(event.currentTarget.value)}
        >
          {PRESET_DAYS.map((days) => (
            <option value={days}>{PRESET_LABELS[days]}</option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {editing && (
        <form class="custom-range" aria-label="Custom range" noValidate onSubmit={apply}>
          {field('from', 'From')}
          {field('to', 'To')}
          <button type="submit">Apply</button>
          {problem && (
            <p class="error" role="alert" id="range-problem">
              {problem.message}
            </p>
          )}
        </form>
      )}
    </>
  )
}
