/**
 * Properties of a submitted form: its id, name and action, plus the values of allow-listed fields
 * only. Password fields (and names that look like passwords or card data) are never read.
 */
import type { JsonObject } from '@rastro/schema/types'

/** Field names and autocomplete tokens whose values are never sent, even when allow-listed. */
const SECRET = /pass|pwd|secret|token|card|cc-|cvc|cvv|iban/i

/** @param fields names of the fields whose values may be sent. */
export function getFormProperties(form: HTMLFormElement, fields: readonly string[]): JsonObject {
  const properties: JsonObject = {}
  for (const attribute of ['id', 'name', 'action']) {
    const value = form.getAttribute(attribute)
    if (value) properties[attribute == 'id' ? 'formId' : attribute == 'name' ? 'formName' : 'action'] = value
  }
  const values: JsonObject = {}
  for (const element of Array.from(form.elements)) {
    const { name, type, value, checked } = element as HTMLInputElement
    if (
      !name ||
      !fields.includes(name) ||
      type == 'password' ||
      SECRET.test(name + ' ' + (element.getAttribute('autocomplete') || '')) ||
      ((type == 'checkbox' || type == 'radio') && !checked)
    ) {
      continue
    }
    values[name] = String(value).slice(0, 200)
  }
  if (Object.keys(values).length) properties.fields = values
  return properties
}
