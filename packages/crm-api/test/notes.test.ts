/**
 * Notes are edited in place (the dashboard's contact page): `PATCH /notes/:id` changes the text with
 * `If-Match` (412 when the note changed meanwhile), records `note.updated` in the audit log and on the
 * contact's timeline, and needs `crm:write`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, startCrm, type RunningCrm } from './helpers/start-crm.js'

let crm: RunningCrm

beforeAll(async () => {
  crm = await startCrm()
})
afterAll(async () => {
  await crm?.stop()
})

describe('PATCH /v1/crm/notes/:id', () => {
  it('edits the text of the version shown, in the audit log and on the timeline; 412 when stale', async () => {
    const contact = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'nora@example.com' } })
    const note = await crm.call('POST', '/v1/crm/notes', {
      body: { body: 'Wants a demo', contactId: contact.body.id },
    })
    expect(note.status).toBe(201)

    const edited = await crm.call('PATCH', `/v1/crm/notes/${note.body.id}`, {
      key: keys.editor,
      body: { body: 'Wants a demo on Tuesday' },
      headers: { 'if-match': `"${note.body.version}"` },
    })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({ id: note.body.id, body: 'Wants a demo on Tuesday' })
    expect(edited.body.version).toBeGreaterThan(note.body.version)
    expect(edited.headers.etag).toBe(`"${edited.body.version}"`)
    const read = await crm.call('GET', `/v1/crm/notes?contactId=${contact.body.id}`)
    expect(read.body.results.map((item: any) => item.body)).toEqual(['Wants a demo on Tuesday'])

    const stale = await crm.call('PATCH', `/v1/crm/notes/${note.body.id}`, {
      body: { body: 'Overwrites the edit' },
      headers: { 'if-match': `"${note.body.version}"` },
    })
    expect(stale.status).toBe(412)
    expect((await crm.call('GET', `/v1/crm/notes/${note.body.id}`)).body.body).toBe('Wants a demo on Tuesday')

    const audit = await crm.call('GET', `/v1/crm/audit?objectId=${note.body.id}`)
    expect(audit.body.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'note.updated',
          contactId: contact.body.id,
          changes: { body: 'Wants a demo on Tuesday' },
        }),
      ]),
    )
    const timeline = await crm.call('GET', `/v1/crm/contacts/${contact.body.id}/timeline`)
    expect(timeline.body.results.map((item: any) => item.name)).toContain('note.updated')
  })

  it('refuses a viewer, an empty text and an unknown note, naming the field', async () => {
    const note = await crm.call('POST', '/v1/crm/notes', {
      body: {
        body: 'Keep me',
        contactId: (await crm.call('POST', '/v1/crm/contacts', { body: {} })).body.id,
      },
    })
    const viewer = await crm.call('PATCH', `/v1/crm/notes/${note.body.id}`, {
      key: keys.viewer,
      body: { body: 'Changed' },
    })
    expect(viewer.status).toBe(403)
    const empty = await crm.call('PATCH', `/v1/crm/notes/${note.body.id}`, { body: { body: '' } })
    expect(empty.status).toBe(400)
    expect(empty.body).toMatchObject({ code: 'RASTRO_ERR_CRM_INVALID_INPUT', field: 'body' })
    const unknown = await crm.call('PATCH', '/v1/crm/notes/n_missing', { body: { body: 'x' } })
    expect(unknown.body).toMatchObject({ status: 404, code: 'RASTRO_ERR_CRM_NOT_FOUND' })
    expect((await crm.call('GET', `/v1/crm/notes/${note.body.id}`)).body.body).toBe('Keep me')
  })
})
