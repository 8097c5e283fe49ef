/**
 * Creates a deal (`POST /v1/crm/deals`) or edits one (`PATCH` with `If-Match`, so a deal changed
 * meanwhile answers 412 instead of being overwritten): name, amount typed in major units of the
 * currency (sent as minor units), stage, contact and, in a lost stage, the reason.
 */
import { useEffect, useState } from 'preact/hooks'
import { request } from '../api.js'
import { useApp } from '../app-context.js'
import { getContactName, type Contact, type Deal, type Page, type Pipeline } from '../crm-types.js'
import { parseMoney, toMajorText } from '../format.js'
import { Field, FieldError, FormActions, useForm, type FieldProps } from './form.js'

const FIELDS = ['name', 'amountMinor', 'stageId', 'contactId', 'lostReason']

/** `PATCH /v1/crm/deals/:id` with the version the page showed. @throws ApiError (412 when it changed). */
export async function patchDeal(deal: Deal, body: Record<string, unknown>): Promise<Deal> {
  const { data } = await request<Deal>(`/v1/crm/deals/${encodeURIComponent(deal.id)}`, {
    method: 'PATCH',
    body,
    headers: { 'if-match': `"${deal.version}"` },
  })
  return data
}

export function DealForm({
  pipeline,
  deal,
  contactId,
  onSaved,
  onCancel,
}: {
  pipeline: Pipeline
  /** The deal to edit; none to create one. */
  deal?: Deal
  /** The contact of a new deal; without it the form asks for one. */
  contactId?: string
  onSaved: (deal: Deal) => void
  onCancel: () => void
}) {
  const { session } = useApp()
  const currency = deal?.currency || session.tenant.currency
  const prefix = deal ? `deal-${deal.id}` : 'new-deal'
  const [stageId, setStageId] = useState(deal?.stageId ?? pipeline.stages[0]?.id ?? '')
  const [contacts, setContacts] = useState<Contact[]>([])
  const form = useForm(FIELDS, async (values) => {
    const text = (name: string) => String(values.get(name) ?? '').trim()
    const amountText = text('amountMinor')
    const amountMinor = amountText === '' ? 0 : parseMoney(amountText, currency)
    if (amountMinor === undefined)
      throw new FieldError('amountMinor', `Amount: not an amount in ${currency}, e.g. 1250.50`)
    if (!text('name')) throw new FieldError('name', 'Name: the deal needs a name')
    const body: Record<string, unknown> = { name: text('name'), amountMinor }
    if (!deal || stageId !== deal.stageId) body.stageId = stageId
    if (pipeline.stages.find((stage) => stage.id === stageId)?.isLost) body.lostReason = text('lostReason')
    const typed = contactId ?? text('contactId')
    if (typed) body.contactId = findContactId(typed, contacts)
    if (deal) return onSaved(await patchDeal(deal, body))
    const { data } = await request<Deal>('/v1/crm/deals', {
      method: 'POST',
      body: { ...body, pipelineId: pipeline.id, currency },
    })
    onSaved(data)
  })
  // The first field takes the focus when the form opens (it replaced the button that opened it).
  useEffect(() => form.ref.current?.querySelector<HTMLElement>('input')?.focus(), [])

  return (
    <form
      class="card form"
      aria-label={deal ? `Edit ${deal.name}` : 'New deal'}
      ref={form.ref}
      onSubmit={form.onSubmit}
      noValidate
    >
      <h3>{deal ? `Edit ${deal.name}` : 'New deal'}</h3>
      <div class="fields">
        <Field form={form} id={`${prefix}-name`} name="name" label="Deal name">
          {(props) => <input {...props} defaultValue={deal?.name ?? ''} required maxLength={300} />}
        </Field>
        <Field form={form} id={`${prefix}-amount`} name="amountMinor" label={`Amount (${currency})`}>
          {(props) => (
            <input
              {...props}
              inputMode="decimal"
              defaultValue={deal ? toMajorText(deal.amountMinor, currency) : ''}
              placeholder="1250.50"
            />
          )}
        </Field>
        <Field form={form} id={`${prefix}-stage`} name="stageId" label="Stage">
          {(props) => (
            <select {...props} value={stageId} onChange={(event) => setStageId(event.currentTarget.value)}>
              {pipeline.stages.map((stage) => (
                <option value={stage.id}>{stage.name}</option>
              ))}
            </select>
          )}
        </Field>
        {contactId === undefined && (
          <Field
            form={form}
            id={`${prefix}-contact`}
            name="contactId"
            label="Contact"
            hint="Type an email or a name and pick the contact"
          >
            {(props) => (
              <ContactInput
                {...props}
                initial={deal?.contactId ?? ''}
                contacts={contacts}
                onResults={setContacts}
              />
            )}
          </Field>
        )}
        {pipeline.stages.find((stage) => stage.id === stageId)?.isLost && (
          <Field form={form} id={`${prefix}-lost`} name="lostReason" label="Lost reason">
            {(props) => <input {...props} defaultValue={deal?.lostReason ?? ''} maxLength={1000} />}
          </Field>
        )}
      </div>
      <FormActions form={form} submit={deal ? 'Save deal' : 'Create deal'} onCancel={onCancel} />
    </form>
  )
}

/** How a contact reads in the picker: `Name <email>`, or the name alone. */
function toOption(contact: Contact): string {
  const name = getContactName(contact)
  return contact.email && name !== contact.email ? `${name} <${contact.email}>` : name
}

/** The id of the contact picked as `typed` (an option, or an id typed as is). */
function findContactId(typed: string, contacts: Contact[]): string {
  return contacts.find((contact) => toOption(contact) === typed || contact.email === typed)?.id ?? typed
}

/** A text field suggesting contacts (a `datalist` of `POST /contacts/search` answers) as one types. */
function ContactInput({
  initial,
  contacts,
  onResults,
  ...props
}: FieldProps & {
  initial: string
  contacts: Contact[]
  onResults: (contacts: Contact[]) => void
}) {
  const [text, setText] = useState('')
  // A deal's contact shows by name (the field starts empty until it is read; left empty, it is kept).
  useEffect(() => {
    if (!initial) return
    request<Contact>(`/v1/crm/contacts/${encodeURIComponent(initial)}`).then(
      ({ data }) => {
        onResults([data])
        setText((typed) => typed || toOption(data))
      },
      () => undefined,
    )
  }, [])
  useEffect(() => {
    if (text.trim().length < 2 || contacts.some((contact) => toOption(contact) === text)) return
    const timer = setTimeout(() => {
      request<Page<Contact>>('/v1/crm/contacts/search', {
        method: 'POST',
        body: { query: text.trim(), limit: 10 },
      }).then(
        (answer) => onResults(answer.data.results),
        () => onResults([]),
      )
    }, 200)
    return () => clearTimeout(timer)
  }, [text])
  return (
    <>
      <input
        {...props}
        type="search"
        autoComplete="off"
        list={`${props.id}-options`}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <datalist id={`${props.id}-options`}>
        {contacts.map((contact) => (
          <option value={toOption(contact)} />
        ))}
      </datalist>
    </>
  )
}
