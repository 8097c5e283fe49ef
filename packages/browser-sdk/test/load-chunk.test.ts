import { describe, expect, it } from 'vitest'
import type { Plugin } from '../src/plugin.js'
import { getDefaultPlugins } from '../src/plugins/get-default-plugins.js'
import { loadAllowedChunks, loadChunk } from '../src/plugins/load-chunk.js'
import type { RastroOptions } from '../src/types.js'
import { createPluginClient } from './fixtures/create-plugin-client.js'

function setup(plugins: Plugin[], options: Partial<RastroOptions> = {}) {
  const scripts: { src: string; async: boolean }[] = []
  const client = createPluginClient(plugins, options, (doc) => {
    Object.assign(doc, {
      createElement: () => ({ src: '', async: false }),
      head: { appendChild: (script: { src: string; async: boolean }) => scripts.push(script) },
    })
  })
  return { ...client, scripts }
}

describe('loadChunk', () => {
  it('loads rastro-<name>.js from the base, once, and runs the plugin the chunk hands back with the api', async () => {
    const { scripts, win, rastro, sent } = setup([loadChunk('vitals', 'https://cdn.example/rastro/')])
    rastro.track('Another Event')
    expect(scripts).toEqual([{ src: 'https://cdn.example/rastro/rastro-vitals.js', async: true }])
    // What the chunk does when it runs: hands its plugin to the client.
    const register = (win as unknown as Record<string, (plugin: Plugin) => void>).rastro_vitals!
    register((api) => api._track('Web Vital', { name: 'LCP' }))
    expect((await sent()).map((e) => e.event ?? e.type)).toEqual(['page', 'Another Event', 'Web Vital'])
  })

  it('waits for analytics consent in opt-in mode, then loads on the choice', () => {
    const { scripts, rastro } = setup([loadChunk('heatmaps', '/')], { requireConsent: true })
    rastro.track('Before Consent')
    loadAllowedChunks()
    expect(scripts).toEqual([])
    rastro.consent({ analytics: true })
    loadAllowedChunks()
    loadAllowedChunks()
    expect(scripts.map((script) => script.src)).toEqual(['/rastro-heatmaps.js'])
  })
})

describe('getDefaultPlugins', () => {
  const count = (options: Record<string, unknown>) =>
    getDefaultPlugins({ writeKey: 'wk_test', ...options } as RastroOptions, 'https://t.example/').length

  it('runs smart events, engagement, autocapture and the vitals chunk by default', () => {
    expect(count({})).toBe(4)
  })

  it('adds conversion rules and heatmaps when asked, and drops what is switched off', () => {
    expect(count({ conversions: [], heatmaps: true })).toBe(6)
    expect(count({ smartEvents: false, engagement: false, autocapture: false, vitals: false })).toBe(0)
  })

  it('loads chunks from host when the script URL is unknown', () => {
    const { scripts } = setup(getDefaultPlugins({ writeKey: 'wk', host: 'https://t.example/' }, ''))
    expect(scripts.map((script) => script.src)).toEqual(['https://t.example/rastro-vitals.js'])
  })
})
