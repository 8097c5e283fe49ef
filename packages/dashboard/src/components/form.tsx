/**
 * Editing forms: the API's 4xx answers name the field at fault (`field`), so the error is shown next
 * to that field, which is marked `aria-invalid` and takes the focus (WCAG 3.3.1 "Error
 * Identification", https://www.w3.org/WAI/WCAG22/Understanding/error-identification); an error about
 * no field of the form shows above its buttons and takes the focus instead.
 */
import type { ComponentChildren, RefObject } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError } from '../api.js'

/** An error found in the page before sending, named by the API's field name. */
export class FieldError extends ApiError {
  constructor(field: string, message: string) {
    super(400, message, 'RASTRO_ERR_CRM_INVALID_INPUT', field)
  }
}

/** What {@link Field} gives its control. */
export interface FieldProps {
  id: string
  name: string
  'aria-invalid': boolean
  'aria-describedby': string | undefined
}

export interface FormState {
  ref: RefObject<HTMLFormElement | null>
  busy: boolean
  /** The last error, until the next submit. */
  error: Error | undefined
  onSubmit(event: Event): void
  /** The error message of API field `name`, if the last error names it. */
  errorOf(name: string): string | undefined
  /** The last error when it names none of `fields` (shown with {@link FormError}). */
  formError: Error | undefined
}

/**
 * Runs `action` on submit with the form's values; a thrown error is kept for the fields to show,
 * and the first invalid field (else the form's alert) is focused once it has rendered.
 *
 * @param fields the API field names this form shows errors next to.
 */
export function useForm(
  fields: string[],
  action: (values: FormData, form: HTMLFormElement) => Promise<void>,
): FormState {
  const ref = useRef<HTMLFormElement>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Error>()
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    if (!error) return
    const target = ref.current?.querySelector<HTMLElement>('[aria-invalid="true"], [role="alert"]')
    target?.focus()
  }, [error, attempt])
  const named = error instanceof ApiError && error.field !== undefined ? error.field : undefined
  return {
    ref,
    busy,
    error,
    errorOf: (name) => (named === name ? error!.message : undefined),
    formError: error && !(named !== undefined && fields.includes(named)) ? error : undefined,
    onSubmit: (event: Event) => {
      event.preventDefault()
      const form = event.currentTarget as HTMLFormElement
      setBusy(true)
      setError(undefined)
      action(new FormData(form), form)
        .catch((caught: unknown) => {
          setError(caught as Error)
          setAttempt((n) => n + 1)
        })
        .finally(() => setBusy(false))
    },
  }
}

/**
 * A labelled control with its error: `children` gets the props to spread on the input, select or
 * textarea (`id`, `name`, `aria-invalid`, `aria-describedby`).
 */
export function Field({
  form,
  id,
  name,
  label,
  hint,
  also,
  children,
}: {
  form: FormState
  /** Unique in the page. */
  id: string
  /** The API field name. */
  name: string
  label: ComponentChildren
  hint?: string
  /** More API field names whose errors belong here (e.g. the property a filter's value is checked as). */
  also?: string[]
  children: (props: FieldProps) => ComponentChildren
}) {
  const message = [name, ...(also ?? [])].map((each) => form.errorOf(each)).find(Boolean)
  const described = [hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(' ')
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({ id, name, 'aria-invalid': Boolean(message), 'aria-describedby': described || undefined })}
      {hint && (
        <span id={`${id}-hint`} class="muted hint">
          {hint}
        </span>
      )}
      {message && (
        <span id={`${id}-error`} class="error field-error">
          {message}
        </span>
      )}
    </div>
  )
}

/** The form's error that names none of its fields (focusable, announced). */
function FormError({ form }: { form: FormState }) {
  if (!form.formError) return null
  return (
    <p class="error" role="alert" tabIndex={-1}>
      {form.formError.message}
    </p>
  )
}

/**
 * The end of every form: its error that names no field, then the submit button (`submit` is its
 * label; disabled while the form is sending), Cancel, and any further buttons (`children`).
 */
export function FormActions({
  form,
  submit,
  onCancel,
  children,
}: {
  form: FormState
  submit: string
  onCancel: () => void
  children?: ComponentChildren
}) {
  return (
    <>
      <FormError form={form} />
      <div class="actions">
        <button type="submit" disabled={form.busy}>
          {submit}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
        {children}
      </div>
    </>
  )
}

/**
 * Gives the focus back to the control that opened a form (the element focused when `open` turned
 * true) once the form closes, as the WAI-ARIA dialog pattern does
 * (https://www.w3.org/WAI/ARIA/apg/patterns/dialog-modal/), so keyboard users keep their place.
 */
export function useReturnFocus(open: boolean): void {
  const opener = useRef<Element | null>(null)
  const wasOpen = useRef(open)
  // Read while rendering: the form's own effects move the focus into it before this one's run.
  if (open && !wasOpen.current) opener.current = document.activeElement
  wasOpen.current = open
  useEffect(() => {
    if (open || !(opener.current instanceof HTMLElement)) return
    if (opener.current.isConnected) opener.current.focus()
    opener.current = null
  }, [open])
}
