import { describe, expect, it } from 'vitest'
import { getSelector, MAX_SELECTOR_LENGTH } from '../src/plugins/heatmaps/get-selector.js'
import { HEATMAP_BUFFER_POINTS, heatmaps } from '../src/plugins/heatmaps/heatmaps.js'
import { createPluginClient } from './fixtures/create-plugin-client.js'

/** Just enough of an Element for the selector and the click handler: tag, attributes, tree, box. */
class FakeElement {
  parentElement: FakeElement | null = null
  children: FakeElement[] = []
  constructor(
    readonly tagName: string,
    private readonly attributes: Record<string, string> = {},
    readonly box = { left: 0, top: 0, width: 100, height: 20 },
  ) {}
  getAttribute(name: string) {
    return this.attributes[name] ?? null
  }
  append(...children: FakeElement[]) {
    for (const child of children) {
      child.parentElement = this
      this.children.push(child)
    }
    return this
  }
  closest(selector: string): FakeElement | null {
    if (selector != '[data-rastro-ignore]') throw new Error(`unexpected selector ${selector}`)
    return this.getAttribute('data-rastro-ignore') != null
      ? this
      : (this.parentElement?.closest(selector) ?? null)
  }
  getBoundingClientRect() {
    return this.box
  }
}

const el = (tag: string, attributes?: Record<string, string>, box?: FakeElement['box']) =>
  new FakeElement(tag.toUpperCase(), attributes, box)
const selectorOf = (node: FakeElement) => getSelector(node as unknown as Element)

describe('getSelector', () => {
  it('starts at the nearest id and numbers same-tag siblings only', () => {
    const button = el('button')
    const items = [el('li'), el('li').append(el('span'), button)]
    el('body').append(el('div', { id: 'cart' }).append(el('ul').append(...items)))
    expect(selectorOf(button)).toBe('#cart>ul>li:nth-of-type(2)>button')
  })

  it('skips ids that look generated and walks up to body', () => {
    const p = el('p', { id: ':r1:' })
    el('html').append(el('body').append(el('main', { id: 'ember123' }).append(el('p'), p)))
    expect(selectorOf(p)).toBe('body>main>p:nth-of-type(2)')
  })

  it('keeps the deepest MAX_SELECTOR_LENGTH characters', () => {
    let node = el('body')
    for (let i = 0; i < 80; i++) {
      const child = el('section')
      node.append(child)
      node = child
    }
    const selector = selectorOf(node)
    expect(selector).toHaveLength(MAX_SELECTOR_LENGTH)
    expect(selector.endsWith('>section')).toBe(true)
  })
})

describe('heatmaps', () => {
  function click(client: ReturnType<typeof createPluginClient>, target: FakeElement, x: number, y: number) {
    const event = Object.assign(new Event('click'), { pageX: x, pageY: y + 1000, clientX: x, clientY: y })
    Object.defineProperty(event, 'target', { value: target })
    client.win.dispatchEvent(event)
  }

  it('sends a $heatmap event every 50 points, with page coordinates, selector and offsets', async () => {
    const client = createPluginClient([heatmaps()])
    const button = el('button', { id: 'buy' }, { left: 100, top: 200, width: 200, height: 40 })
    el('body').append(button)
    for (let i = 0; i < HEATMAP_BUFFER_POINTS + 1; i++) click(client, button, 150, 230)
    const sent = (await client.sent()).filter((e) => e.event == '$heatmap')
    expect(sent).toHaveLength(1)
    expect(sent[0]!.properties.pageHeight).toBe(4000)
    expect(sent[0]!.properties.points).toHaveLength(HEATMAP_BUFFER_POINTS)
    expect(sent[0]!.properties.points[0]).toEqual({ x: 150, y: 1230, w: 1280, s: '#buy', ox: 0.25, oy: 0.75 })
  })

  it('sends what is buffered when the page is hidden, and nothing inside data-rastro-ignore', async () => {
    const client = createPluginClient([heatmaps()])
    const visible = el('a')
    const hidden = el('button')
    el('body').append(visible, el('div', { 'data-rastro-ignore': '' }).append(hidden))
    click(client, visible, 10, 10)
    click(client, hidden, 10, 10)
    client.hide()
    const sent = (await client.sent()).filter((e) => e.event == '$heatmap')
    expect(sent.map((e) => e.properties.points.map((p: { s: string }) => p.s))).toEqual([['body>a']])
  })

  it('reports each buffer with the page its clicks were on when an SPA navigation flushes it', async () => {
    const client = createPluginClient([heatmaps()])
    const link = el('a')
    el('body').append(link)
    click(client, link, 5, 5)
    client.win.history.pushState({}, '', '/menu')
    const sent = await client.sent()
    expect(sent.map((e) => [e.event ?? e.type, e.context.page.path])).toEqual([
      ['page', '/'],
      ['$heatmap', '/'],
      ['page', '/menu'],
    ])
  })
})
