/**
 * Contacts: search (email, name, phone) over all contacts sorted by lead score, or the members of
 * a saved segment. One API call per page of 50. Editors create a contact (then land on its page)
 * and create or edit segments; a saved segment is picked to filter the list.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { request, useApi } from '../api.js'
import { useApp } from '../app-context.js'
import { ContactForm } from '../components/contact-form.js'
import { useReturnFocus } from '../components/form.js'
import { SegmentForm } from '../components/segment-form.js'
import { Empty, ErrorNote, Loading } from '../components/states.js'
import { getContactName, type Contact, type Page, type Segment } from '../crm-types.js'
import { href } from '../router.js'

export function ContactsView() {
  const { format, canEdit } = useApp()
  const segments = useApi<Page<Segment>>('/v1/crm/segments?limit=200')
  const [text, setText] = useState('')
  const [segment, setSegment] = useState('')
  const [editing, setEditing] = useState<'contact' | 'segment' | 'new-segment'>()
  const [version, setVersion] = useState(0)
  const chosen = segments.data?.results.find((item) => item.id === segment)
  useReturnFocus(editing !== undefined)
  const [page, setPage] = useState<Page<Contact>>()
  const [error, setError] = useState<Error>()
  /** The newest list asked for: an answer to an older one (another segment, older text) is dropped. */
  const latest = useRef(0)

  async function load(cursor?: string) {
    const call = ++latest.current
    setError(undefined)
    try {
      const next = segment
        ? (
            await request<Page<Contact>>(
              `/v1/crm/segments/${encodeURIComponent(segment)}/members?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            )
          ).data
        : (
            await request<Page<Contact>>('/v1/crm/contacts/search', {
              method: 'POST',
              body: {
                ...(text ? { query: text } : {}),
                sorts: [{ propertyName: 'score', direction: 'DESCENDING' }],
                limit: 50,
                ...(cursor ? { cursor } : {}),
              },
            })
          ).data
      if (call !== latest.current) return
      setPage(cursor && page ? { results: [...page.results, ...next.results], paging: next.paging } : next)
    } catch (caught) {
      if (call !== latest.current) return
      setError(caught as Error)
      // No list under a filter it does not match: a failed first page drops the one shown.
      if (!cursor) setPage(undefined)
    }
  }
  useEffect(() => {
    const timer = setTimeout(() => void load(), text ? 250 : 0)
    return () => clearTimeout(timer)
  }, [text, segment, version])

  const onSegmentSaved = (saved: Segment) => {
    setEditing(undefined)
    segments.reload()
    setSegment(saved.id)
    // The same segment with a new filter: read its members again.
    setVersion((n) => n + 1)
  }

  return (
    <>
      <h1>Contacts</h1>
      <div class="pickers">
        <label>
          Search{' '}
          <input
            type="search"
            value={text}
            placeholder="Email, name or phone"
            disabled={segment !== ''}
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </label>
        <label>
          Segment{' '}
          <select value={segment} onChange={(event) => setSegment(event.currentTarget.value)}>
            <option value="">All contacts</option>
            {segments.data?.results.map((item) => (
              <option value={item.id}>{item.name}</option>
            ))}
          </select>
        </label>
        {canEdit && (
          <div class="actions">
            <button type="button" aria-expanded={editing === 'contact'} onClick={() => setEditing('contact')}>
              New contact
            </button>
            <button
              type="button"
              class="secondary"
              aria-expanded={editing === 'new-segment'}
              onClick={() => setEditing('new-segment')}
            >
              New segment
            </button>
            {chosen && (
              <button
                type="button"
                class="secondary"
                aria-expanded={editing === 'segment'}
                onClick={() => setEditing('segment')}
              >
                Edit segment
              </button>
            )}
          </div>
        )}
      </div>
      {editing === 'contact' && (
        <ContactForm
          onCreated={(contact) => (location.hash = href('contact', contact.id))}
          onCancel={() => setEditing(undefined)}
        />
      )}
      {(editing === 'new-segment' || (editing === 'segment' && chosen)) && (
        <SegmentForm
          key={editing === 'segment' ? chosen!.id : 'new'}
          {...(editing === 'segment' ? { segment: chosen } : {})}
          onSaved={onSegmentSaved}
          onDeleted={() => {
            setEditing(undefined)
            setSegment('')
            segments.reload()
          }}
          onCancel={() => setEditing(undefined)}
        />
      )}
      {error && <ErrorNote error={error} />}
      {!page && !error && <Loading />}
      {page && page.results.length === 0 && <Empty>No contacts match.</Empty>}
      {page && page.results.length > 0 && (
        <section class="card">
          <div class="scroll">
            <table>
              <caption class="visually-hidden">Contacts</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Source</th>
                  <th scope="col" class="num">
                    Score
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.results.map((contact) => (
                  <tr>
                    <th scope="row">
                      <a href={href('contact', contact.id)}>{getContactName(contact)}</a>
                    </th>
                    <td>{contact.email}</td>
                    <td>{contact.lifecycleStage}</td>
                    <td>{contact.source}</td>
                    <td class="num">{contact.score === undefined ? '–' : format.number(contact.score)}</td>
                    <td>{format.dateTime(contact.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.paging && (
            <button type="button" onClick={() => void load(page.paging!.next.cursor)}>
              Load more
            </button>
          )}
        </section>
      )}
    </>
  )
}
