/**
 * Creates a contact (`POST /v1/crm/contacts`): email, names, phone, company and lifecycle stage.
 * The CRM checks and normalises them (lower-cased email, E.164 phone) and answers a 400 naming the
 * field, shown next to it. Empty fields are left out.
 */
import { request, useApi } from '../api.js'
import { LIFECYCLE_STAGES, type Company, type Contact, type Page } from '../crm-types.js'
import { Field, FormActions, useForm } from './form.js'

const TEXT_FIELDS = [
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'firstName', label: 'First name', type: 'text' },
  { name: 'lastName', label: 'Last name', type: 'text' },
  { name: 'phone', label: 'Phone', type: 'tel' },
] as const

export function ContactForm({
  onCreated,
  onCancel,
}: {
  onCreated: (contact: Contact) => void
  onCancel: () => void
}) {
  const companies = useApi<Page<Company>>('/v1/crm/companies?limit=200')
  const form = useForm(
    [...TEXT_FIELDS.map((field) => field.name), 'companyId', 'lifecycleStage'],
    async (values) => {
      const body: Record<string, string> = {}
      for (const [name, value] of values)
        if (typeof value === 'string' && value.trim()) body[name] = value.trim()
      const { data } = await request<Contact>('/v1/crm/contacts', { method: 'POST', body })
      onCreated(data)
    },
  )
  return (
    // noValidate: the CRM's checks (and messages) are the ones that count, shown beside each field.
    <form class="card form" aria-label="New contact" ref={form.ref} onSubmit={form.onSubmit} noValidate>
      <h2>New contact</h2>
      <div class="fields">
        {TEXT_FIELDS.map((field) => (
          <Field form={form} id={`new-contact-${field.name}`} name={field.name} label={field.label}>
            {(props) => <input {...props} type={field.type as 'text'} autoComplete="off" />}
          </Field>
        ))}
        <Field form={form} id="new-contact-companyId" name="companyId" label="Company">
          {(props) => (
            <select {...props}>
              <option value="">None</option>
              {companies.data?.results.map((company) => (
                <option value={company.id}>{company.name}</option>
              ))}
            </select>
          )}
        </Field>
        <Field form={form} id="new-contact-lifecycleStage" name="lifecycleStage" label="Lifecycle stage">
          {(props) => (
            <select {...props}>
              <option value="">Automatic</option>
              {LIFECYCLE_STAGES.map((stage) => (
                <option value={stage}>{stage}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormActions form={form} submit="Create contact" onCancel={onCancel} />
    </form>
  )
}
