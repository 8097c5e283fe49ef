/**
 * A note on the contact page. Editors edit its text (`PATCH /v1/crm/notes/:id` with `If-Match`) or
 * delete it (`DELETE`, asked twice: the button turns into "Delete for good" and "Keep").
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { request } from '../api.js'
import { useApp } from '../app-context.js'
import type { Note } from '../crm-types.js'
import { ConfirmDelete } from './confirm-delete.js'
import { Field, FormActions, useForm } from './form.js'

export function NoteItem({ note, onChanged }: { note: Note; onChanged: () => void }) {
  const { format, canEdit } = useApp()
  const [mode, setMode] = useState<'read' | 'edit' | 'delete'>('read')
  const [error, setError] = useState<Error>()
  const actions = useRef<HTMLDivElement>(null)
  const path = `/v1/crm/notes/${encodeURIComponent(note.id)}`
  const form = useForm(['body'], async (values) => {
    await request<Note>(path, {
      method: 'PATCH',
      body: { body: String(values.get('body') ?? '') },
      headers: { 'if-match': `"${note.version}"` },
    })
    setMode('read')
    onChanged()
  })
  const opened = useRef(false)
  // Focus follows the mode: the text when editing (the confirming button takes it when deleting),
  // and the "Edit" button again when either is done.
  useEffect(() => {
    if (mode === 'edit') form.ref.current?.querySelector('textarea')?.focus()
    else if (mode === 'read' && opened.current) actions.current?.querySelector('button')?.focus()
    opened.current = mode !== 'read'
  }, [mode])

  async function remove() {
    setError(undefined)
    try {
      await request(path, { method: 'DELETE' })
      onChanged()
    } catch (caught) {
      setError(caught as Error)
    }
  }

  if (mode === 'edit') {
    return (
      <li>
        <form class="form" aria-label="Edit note" ref={form.ref} onSubmit={form.onSubmit} noValidate>
          <Field form={form} id={`note-${note.id}-body`} name="body" label="Note">
            {(props) => <textarea {...props} defaultValue={note.body} rows={3} maxLength={10_000} />}
          </Field>
          <FormActions form={form} submit="Save note" onCancel={() => setMode('read')} />
        </form>
      </li>
    )
  }
  const edited = note.updatedAt !== note.createdAt
  return (
    <li data-note={note.id}>
      <p id={`note-${note.id}-text`}>{note.body}</p>
      <span class="muted">
        {format.dateTime(note.createdAt)}
        {edited && ` · edited ${format.dateTime(note.updatedAt)}`}
      </span>
      {canEdit && (
        <div class="actions" ref={actions}>
          {mode === 'delete' ? (
            <ConfirmDelete onDelete={() => void remove()} onKeep={() => setMode('read')} />
          ) : (
            <>
              <button
                type="button"
                class="link"
                onClick={() => setMode('edit')}
                aria-describedby={`note-${note.id}-text`}
              >
                Edit
              </button>
              <button
                type="button"
                class="link"
                onClick={() => setMode('delete')}
                aria-describedby={`note-${note.id}-text`}
              >
                Delete
              </button>
            </>
          )}
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
    </li>
  )
}
