/**
 * Autocapture: records clicks on links, buttons and `[data-rastro-event]` elements, form
 * submissions, scroll milestones, outbound links, file downloads, rage clicks and dead clicks,
 * each switchable. Listeners are passive, on the window in the capture phase (so a page that stops
 * propagation cannot hide a click), and do a few DOM reads per click. Nothing inside
 * `[data-rastro-ignore]` is recorded. Page views are the core's (`pageViews` option).
 */
import type { JsonObject } from '@rastro/schema/types'
import type { Plugin } from '../../plugin.js'
import { trackElement } from '../shared/current-element.js'
import { getScrollDepth } from '../shared/get-scroll-depth.js'
import { onFrame } from '../shared/on-frame.js'
import { createRageDetector } from './create-rage-detector.js'
import { getClickProperties, getDataProperties } from './get-element-properties.js'
import { getFormProperties } from './get-form-properties.js'
import { onDeadClick } from './on-dead-click.js'

/** Switches of {@link autocapture}: every kind is on unless set to `false`. */
export interface AutocaptureOptions {
  /** Clicks on links and buttons (`Element Clicked`) and on `[data-rastro-event]` elements (that event). */
  clicks?: boolean
  /** Form submissions (`Form Submitted`, or the form's `data-rastro-event`). */
  forms?: boolean
  /** Names of form fields whose values are sent with submissions. Default: none. Passwords never. */
  formFields?: string[]
  /** `Scroll Depth Reached` at 25, 50, 75 and 90 % of the page, once each per page view. */
  scroll?: boolean
  /** `Outbound Link Clicked` for links to another host. */
  outboundLinks?: boolean
  /** `File Downloaded` for links to files (`download` attribute or a file extension). */
  downloads?: boolean
  /** `Rage Click`: 3 clicks within 1 s and 30 px. */
  rageClicks?: boolean
  /** `Dead Click`: a click on a button or link-less anchor that changes nothing for 500 ms. */
  deadClicks?: boolean
}

/** Scroll milestones (% of the page's height). */
export const SCROLL_MILESTONES = [25, 50, 75, 90]

/** File extensions counted as downloads (Plausible's default list, https://plausible.io/docs/file-downloads-tracking). */
const FILE =
  /\.(pdf|xlsx?|docx?|txt|rtf|csv|exe|key|pps|pptx?|7z|pkg|rar|gz|zip|avi|mov|mp4|mpe?g|wmv|midi?|mp3|wav|wma|dmg|apk|iso|epub)$/i

/** What counts as a clickable element. */
const CLICKABLE = 'a,button,[data-rastro-event]:not(form),input[type=submit],input[type=button],[role=button]'

/** The autocapture plugin. */
export function autocapture(options: AutocaptureOptions = {}): Plugin {
  return (api) => {
    const win = api._win
    const on = (key: keyof AutocaptureOptions) => options[key] !== false
    const listen = (type: string, listener: (event: never) => void) =>
      win.addEventListener(type, listener as EventListener, { passive: true, capture: true })
    const rage = createRageDetector()
    const track = (event: string, properties: JsonObject) => api._track(event, properties)

    listen('click', (event: MouseEvent) => {
      const target = event.target as Element | null
      if (!target || !target.closest || target.closest('[data-rastro-ignore]')) return
      if (on('rageClicks') && rage(event.pageX, event.pageY, api._now())) {
        track('Rage Click', { ...getClickProperties(target), x: event.pageX, y: event.pageY })
      }
      const el = target.closest(CLICKABLE)
      if (!el) return
      const link = el.closest('a[href]') as HTMLAnchorElement | null
      const named = el.closest('[data-rastro-event]:not(form)')
      const properties = getClickProperties(el)
      let name: string | undefined
      if (named) {
        if (on('clicks')) name = named.getAttribute('data-rastro-event')!
        Object.assign(properties, getDataProperties(named))
      } else if (link && on('downloads') && (link.hasAttribute('download') || FILE.test(link.pathname))) {
        name = 'File Downloaded'
      } else if (
        link &&
        on('outboundLinks') &&
        /^http/.test(link.protocol) &&
        link.host != win.location.host
      ) {
        name = 'Outbound Link Clicked'
      } else if (on('clicks')) {
        name = 'Element Clicked'
      }
      if (name) trackElement(api, el, 'click', name, properties)
      if (on('deadClicks') && !(link && link.getAttribute('href')!.charAt(0) != '#')) {
        onDeadClick(win, () => track('Dead Click', getClickProperties(el)))
      }
    })

    if (on('forms')) {
      listen('submit', (event: SubmitEvent) => {
        const form = event.target as HTMLFormElement
        if (!form || !form.closest || form.closest('[data-rastro-ignore]')) return
        const properties = {
          ...getFormProperties(form, options.formFields || []),
          ...getDataProperties(form),
        }
        trackElement(
          api,
          form,
          'submit',
          form.getAttribute('data-rastro-event') || 'Form Submitted',
          properties,
        )
      })
    }

    if (on('scroll')) {
      let reached = 0
      listen(
        'scroll',
        onFrame(win, () => {
          const depth = getScrollDepth(win)
          for (const milestone of SCROLL_MILESTONES) {
            if (milestone > reached && depth >= milestone) {
              reached = milestone
              track('Scroll Depth Reached', { depth: milestone })
            }
          }
        }),
      )
      // A new page view (SPA navigation) starts its milestones again.
      api._use((event) => {
        if (event.type == 'page') reached = 0
      })
    }
  }
}
