/**
 * Click heatmaps: every click becomes a point `{ x, y }` (page px), `w` (viewport width px), `s`
 * (a stable selector of the clicked element) and `ox, oy` (where in the element, 0..1). Points are
 * buffered and sent as a `$heatmap` event with the page's height, every 50 points, when the page
 * is hidden or left, and before the next page view of an SPA navigation (each buffer reports the
 * page its clicks were on). Nothing inside `[data-rastro-ignore]` is recorded.
 */
import type { PageContext } from '@rastro/schema/types'
import type { Plugin } from '../../plugin.js'
import { getSelector } from './get-selector.js'

/** A click on the page. */
export interface HeatmapPoint {
  /** Page x (CSS px from the document's left edge). */
  x: number
  /** Page y (CSS px from the document's top). */
  y: number
  /** Viewport width (CSS px): < 768 mobile, < 1024 tablet, else desktop. */
  w: number
  /** Stable CSS selector of the clicked element. */
  s: string
  /** Offset within the element, 0..1 from its left edge. */
  ox: number
  /** Offset within the element, 0..1 from its top edge. */
  oy: number
}

/** Points per `$heatmap` event. */
export const HEATMAP_BUFFER_POINTS = 50

const ratio = (offset: number, size: number) =>
  size > 0 ? Math.round(Math.min(1, Math.max(0, offset / size)) * 1000) / 1000 : 0

/** The heatmap plugin (no options). */
export function heatmaps(): Plugin {
  return (api) => {
    const win = api._win
    const doc = win.document
    let points: HeatmapPoint[] = []
    let page: PageContext | undefined
    let flushing = false

    const flush = () => {
      if (!points.length) return
      const batch = points
      points = []
      flushing = true
      try {
        api._track('$heatmap', { points: batch as never, pageHeight: doc.documentElement.scrollHeight })
      } finally {
        flushing = false
      }
    }

    win.addEventListener(
      'click',
      (event) => {
        const target = event.target as Element | null
        if (!target || !target.closest || target.closest('[data-rastro-ignore]')) return
        const rect = target.getBoundingClientRect()
        points.push({
          x: Math.round(event.pageX),
          y: Math.round(event.pageY),
          w: win.innerWidth,
          s: getSelector(target),
          ox: ratio(event.clientX - rect.left, rect.width),
          oy: ratio(event.clientY - rect.top, rect.height),
        })
        if (points.length >= HEATMAP_BUFFER_POINTS) flush()
      },
      { passive: true, capture: true },
    )
    api._onHide(flush)
    api._use((event) => {
      if (flushing && event.event == '$heatmap') {
        if (page) event.context.page = page
      } else if (event.type == 'page') {
        flush()
        page = event.context.page
      }
    })
  }
}
