import { describe, expect, it } from 'vitest'
import { getPage } from '../src/context/get-page.js'
import { createFakeWindow } from './fixtures/create-fake-window.js'

const pathOf = (url: string) => getPage(createFakeWindow({ url }).win, '').path

describe('getPage', () => {
  it('puts a hash route in the path, without its own query, and leaves in-page anchors out', () => {
    expect(pathOf('https://shop.example/app/#/products/42?tab=reviews')).toBe('/app/#/products/42')
    expect(pathOf('https://shop.example/#!/cart')).toBe('/#!/cart')
    expect(pathOf('https://shop.example/about?x=1#contact')).toBe('/about')
    expect(pathOf('https://shop.example/')).toBe('/')
  })

  it('keeps the whole URL and the query as they are', () => {
    const page = getPage(
      createFakeWindow({ url: 'https://shop.example/app/?utm_source=news#/menu' }).win,
      'r',
    )
    expect(page).toMatchObject({
      url: 'https://shop.example/app/?utm_source=news#/menu',
      path: '/app/#/menu',
      search: '?utm_source=news',
      referrer: 'r',
    })
  })
})
