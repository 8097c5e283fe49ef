/**
 * Engagement: measures each page view (active time, deepest scroll, interactions), puts the level
 * so far on every event as `context.engagement`, and sends `Page Left` once per page view: when
 * the page is first hidden or left, and before the next page view of an SPA navigation.
 */
import type { PageContext } from '@rastro/schema/types'
import type { Plugin } from '../../plugin.js'
import { getScrollDepth } from '../shared/get-scroll-depth.js'
import { onFrame } from '../shared/on-frame.js'
import { createActiveTimer, type ActiveTimer } from './create-active-timer.js'
import { getEngagementLevel, type EngagementStats } from './get-engagement-level.js'

/** The engagement plugin (no options). */
export function engagement(): Plugin {
  return (api) => {
    const win = api._win
    const doc = win.document
    const passive = { passive: true, capture: true }
    const visible = () => doc.visibilityState != 'hidden'
    let start: number
    let timer: ActiveTimer
    let depth: number
    let interactions: number
    let sent: boolean
    /** Page of the current page view: `Page Left` reports it even after the URL changed. */
    let page: PageContext | undefined
    let leaving = false

    const reset = () => {
      start = api._now()
      timer = createActiveTimer(start, visible())
      depth = interactions = 0
      sent = false
    }
    const stats = (): EngagementStats => ({
      activeTimeMs: timer._get(api._now()),
      scrollDepth: depth,
      interactions,
    })
    const leave = () => {
      if (sent) return
      sent = true
      depth = Math.max(depth, getScrollDepth(win))
      const s = stats()
      leaving = true
      try {
        api._track('Page Left', {
          timeOnPageMs: api._now() - start,
          ...s,
          engagement: getEngagementLevel(s),
        })
      } finally {
        leaving = false
      }
    }
    reset()

    const active = () => timer._active(api._now())
    for (const type of ['pointerdown', 'keydown', 'mousemove', 'touchstart', 'wheel']) {
      win.addEventListener(type, active, passive)
    }
    for (const type of ['click', 'change']) win.addEventListener(type, () => interactions++, passive)
    win.addEventListener(
      'scroll',
      onFrame(win, () => {
        depth = Math.max(depth, getScrollDepth(win))
        active()
      }),
      passive,
    )
    doc.addEventListener('visibilitychange', () => (visible() ? active() : timer._hidden(api._now())))
    api._onHide(leave)

    api._use((event) => {
      if (leaving && event.event == 'Page Left') {
        if (page) event.context.page = page
      } else if (event.type == 'page') {
        // An SPA navigation (or a manual page call): close the page view being left first.
        if (page) leave()
        reset()
        page = event.context.page
      }
      event.context.engagement = getEngagementLevel(stats())
    })
  }
}
