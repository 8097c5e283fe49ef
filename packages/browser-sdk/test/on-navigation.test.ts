import { describe, expect, it } from 'vitest'
import { onNavigation } from '../src/capture/on-navigation.js'
import { createFakeWindow } from './fixtures/create-fake-window.js'

function setup(url = 'https://shop.example/') {
  const fake = createFakeWindow({ url })
  const views: { url: string; previousUrl: string }[] = []
  onNavigation(fake.win, (previousUrl) => views.push({ url: fake.win.location.href, previousUrl }))
  return { ...fake, history: fake.win.history, views }
}

describe('onNavigation: one page view per URL change', () => {
  it('reports pushState to a new path with the URL that was left', () => {
    const { history, views } = setup()
    history.pushState({}, '', '/menu')
    expect(views).toEqual([{ url: 'https://shop.example/menu', previousUrl: 'https://shop.example/' }])
  })

  it('reports the same URL pushed twice once', () => {
    const { history, views } = setup()
    history.pushState({}, '', '/menu')
    history.pushState({ again: true }, '', '/menu')
    expect(views).toHaveLength(1)
  })

  it('reports replaceState only when path or query change', () => {
    const { history, views } = setup()
    history.replaceState({ scroll: 1 }, '')
    history.replaceState({}, '', '/#top')
    expect(views).toHaveLength(0)
    history.replaceState({}, '', '/?sort=price')
    expect(views.map((v) => v.url)).toEqual(['https://shop.example/?sort=price'])
  })

  it('ignores in-page anchors', () => {
    const { history, views, win } = setup()
    history.pushState({}, '', '#contact')
    win.dispatchEvent(new Event('hashchange'))
    expect(views).toHaveLength(0)
  })

  it('reports hash routes (#/…, #!/…) once, whether by pushState or hashchange', () => {
    const { history, views, win, go } = setup()
    history.pushState({}, '', '#/menu')
    history.pushState({}, '', '#!/cart')
    // Setting location.hash (as hash routers do) fires popstate and hashchange for one change.
    history.pushState({}, '', '#/checkout')
    win.dispatchEvent(new Event('popstate'))
    win.dispatchEvent(new Event('hashchange'))
    go(-1)
    win.dispatchEvent(new Event('hashchange'))
    expect(views.map((v) => new URL(v.url).hash)).toEqual(['#/menu', '#!/cart', '#/checkout', '#!/cart'])
  })

  it('reports back and forward once each, even when the router replaces state on popstate', () => {
    const { history, views, go, win } = setup()
    history.pushState({}, '', '/a')
    history.pushState({}, '', '/b')
    go(-1)
    // Routers often call replaceState with the same URL while handling popstate.
    history.replaceState({ restored: true }, '', win.location.href)
    go(1)
    expect(views.map((v) => new URL(v.url).pathname)).toEqual(['/a', '/b', '/a', '/b'])
  })

  it('keeps the original history behaviour', () => {
    const { history, win } = setup()
    history.pushState({}, '', '/shop?x=1')
    expect(win.location.href).toBe('https://shop.example/shop?x=1')
  })

  it('never lets a failing callback break navigation', () => {
    const fake = createFakeWindow()
    onNavigation(fake.win, () => {
      throw new Error('boom')
    })
    expect(() => fake.win.history.pushState({}, '', '/x')).not.toThrow()
  })
})
