/** Properties autocapture reads from an element: never input values, only what the page shows or declares. */
import type { JsonObject } from '@rastro/schema/types'

/** A `data-rastro-*` value that reads as a number (and back unchanged) becomes one: `"19.9"` → 19.9. */
const toValue = (value: string): string | number => (value && String(+value) === value ? +value : value)

/**
 * `data-rastro-*` attributes of `el` (but `-event` and `-ignore`) as properties, camel-cased:
 * `data-rastro-product-id="7"` → `{ productId: 7 }`.
 */
export function getDataProperties(el: Element): JsonObject {
  const properties: JsonObject = {}
  for (const { name, value } of Array.from(el.attributes)) {
    const key = name.startsWith('data-rastro-') && name.slice(12)
    if (key && key != 'event' && key != 'ignore') {
      properties[key.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = toValue(value)
    }
  }
  return properties
}

/** The label the visitor sees on a link or button: its text (or a button input's value), at most 100 characters. */
export function getText(el: Element): string {
  const text = el.tagName == 'INPUT' ? (el as HTMLInputElement).value : el.textContent
  return (text || '').trim().replace(/\s+/g, ' ').slice(0, 100)
}

/** Tag, text and id of a clicked element (`href` for links): the properties of click events. */
export function getClickProperties(el: Element): JsonObject {
  const properties: JsonObject = { tag: el.tagName.toLowerCase(), text: getText(el) }
  const id = el.getAttribute('id')
  if (id) properties.id = id
  if ((el as HTMLAnchorElement).href) properties.href = (el as HTMLAnchorElement).href
  return properties
}
