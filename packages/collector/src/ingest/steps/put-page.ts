import type { Step } from '../pipeline.js'
import { getUrl } from './get-url.js'

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function getPath(url: string): string {
  return getUrl(url)?.pathname ?? ''
}

/** Puts the page URL, path, referrer and title: a page call's `properties` first, then `context.page`. */
export const putPage: Step = {
  name: 'putPage',
  run({ event, row }) {
    const page = event.context?.page ?? {}
    const properties = event.type === 'page' ? (event.properties ?? {}) : {}
    row.url = text(properties.url) ?? page.url ?? ''
    row.path = text(properties.path) ?? page.path ?? getPath(row.url)
    row.referrer = text(properties.referrer) ?? page.referrer ?? ''
    row.title = text(properties.title) ?? page.title ?? ''
    return undefined
  },
}
