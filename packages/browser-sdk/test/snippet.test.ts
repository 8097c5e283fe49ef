/**
 * The loader snippet and the script-tag build together: the stub queues calls and loads
 * `<host>/rastro.js` on init; the IIFE replaces the stub, replays the queue and resolves the
 * stub's promises. Runs the source snippet and, once built, the minified one.
 */
import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Rastro } from '../src/types.js'
import { createFakeFetch, createFakeWindow } from './fixtures/create-fake-window.js'

const source = new URL('../src/snippet.js', import.meta.url)
const minified = new URL('../dist/snippet.min.js', import.meta.url)

type Stub = Rastro & { q: unknown[][] }

function runSnippet(file: URL, win: Record<string, unknown>, doc: Record<string, unknown>) {
  new Function('window', 'document', readFileSync(file, 'utf8'))(win, doc)
}

function setup() {
  const fake = createFakeWindow({ url: 'https://tostado.example/' })
  const scripts: { src: string; async: boolean }[] = []
  const doc = fake.win.document as unknown as Record<string, unknown>
  doc.createElement = () => ({ src: '', async: false })
  doc.head = { appendChild: (script: { src: string; async: boolean }) => scripts.push(script) }
  const win = fake.win as unknown as Record<string, unknown> & { rastro?: Stub }
  win.Promise = Promise
  return { ...fake, win, doc, scripts }
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.resetModules()
})

describe('loader snippet', () => {
  it.each([
    ['source', source],
    ['minified', minified],
  ])('%s: queues calls and loads <host>/rastro.js once, on init', (_name, file) => {
    if (!existsSync(file)) return // not built yet
    const { win, doc, scripts } = setup()
    runSnippet(file, win, doc)
    const stub = win.rastro!
    expect(stub.track('Early', { a: 1 })).toBeInstanceOf(Promise)
    expect(scripts).toHaveLength(0)
    void stub.init({ writeKey: 'wk_demo', host: 'https://t.example/' })
    void stub.init({ writeKey: 'wk_demo', host: 'https://other.example' })
    expect(scripts).toEqual([{ src: 'https://t.example/rastro.js', async: true }])
    expect(stub.q.map((call) => call[0])).toEqual(['track', 'init', 'init'])
    // Pasting the snippet twice keeps the first stub.
    runSnippet(file, win, doc)
    expect(win.rastro).toBe(stub)
  })

  it('stubs every method of the client', async () => {
    const { win, doc } = setup()
    runSnippet(source, win, doc)
    const { createRastro } = await import('../src/create-rastro.js')
    const client = createRastro()
    const methods = Object.keys(client).filter(
      (key) => typeof client[key as keyof typeof client] == 'function',
    )
    expect(Object.keys(win.rastro!).filter((key) => key != 'q')).toEqual(methods)
    expect(typeof win.rastro!.consent.set).toBe('function')
  })

  it('the script-tag build replays the queue, init first, and resolves the stub promises', async () => {
    const { win, doc, scripts } = setup()
    const { fetch, events } = createFakeFetch()
    win.fetch = fetch
    runSnippet(source, win, doc)
    const stub = win.rastro!
    const tracked = stub.track('CTA Clicked', { cta: 'hero' })
    void stub.consent.set({ marketing: false })
    void stub.init({ writeKey: 'wk_demo', host: 'https://t.example' })
    const flushed = stub.flush()
    vi.stubGlobal('window', win)
    await import('../src/iife.js')
    const rastro = win.rastro!
    // The stub became the client: references the page kept to it work.
    expect(rastro).toBe(stub)
    expect(rastro).not.toHaveProperty('q')
    expect(stub.track('Later')).toMatch(/^[0-9a-f-]{36}$/)
    expect(rastro.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(await tracked).toMatch(/^[0-9a-f-]{36}$/)
    expect(await flushed).toBe(true)
    await rastro.flush()
    expect(events().map((e) => e.event ?? e.type)).toEqual(['page', 'CTA Clicked', 'Later'])
    // The default plugins ran: scores on the events, the vitals chunk loaded from the host.
    expect(events().map((e) => (e.context as { score: number }).score)).toEqual([2, 5, 5])
    expect(scripts.map((script) => script.src)).toEqual([
      'https://t.example/rastro.js',
      'https://t.example/rastro-vitals.js',
    ])
    // The queued consent.set() was replayed: the event after it carries the choice.
    expect(events()[2]!.context).toMatchObject({
      consent: { categoryPreferences: { analytics: true, marketing: false } },
    })
    // A second copy of the script keeps the first client.
    vi.resetModules()
    await import('../src/iife.js')
    expect(win.rastro).toBe(rastro)
  })
})

describe('landing page example', () => {
  it.each(['index.html', 'about.html'])('%s inlines the current snippet', (page) => {
    if (!existsSync(minified)) return // not built yet
    const html = readFileSync(new URL(`../../../examples/landing-page/${page}`, import.meta.url), 'utf8')
    expect(html).toContain(readFileSync(minified, 'utf8').trim())
    expect(html).toMatch(/rastro\.init\(\{\s*writeKey: 'wk_demo_landing',\s*host: location\.origin,/)
    // No third-party requests: no absolute http(s) URLs in src/href attributes.
    expect(html).not.toMatch(/(src|href)="https?:/)
  })
})
