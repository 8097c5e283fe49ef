/**
 * The relevance score (1–10) of an event: how much it says about the visitor's intent. Names follow
 * the Segment E-commerce Spec (https://segment.com/docs/connections/spec/ecommerce/v2/) and the
 * events autocapture records; the README lists the table.
 */
import type { OutgoingEvent } from '../../plugin.js'

/** Event name → score (1–10). A site's own table is merged over this one. */
export const DEFAULT_SCORES: Readonly<Record<string, number>> = {
  'Order Completed': 10,
  'Form Submitted': 10,
  'Signed Up': 10,
  'Lead Created': 10,
  Conversion: 10,
  'Checkout Started': 8,
  'Payment Info Entered': 8,
  'Product Added': 7,
  'Cart Viewed': 6,
  'File Downloaded': 6,
  'CTA Clicked': 5,
  'Product Viewed': 4,
  'Products Searched': 4,
  'Outbound Link Clicked': 3,
  'Rage Click': 3,
  'Page Left': 2,
  'Dead Click': 2,
  'Web Vital': 1,
  $heatmap: 1,
  'Element Clicked': 1,
}

/** Score of page views, identify calls, and of track events missing from both tables. */
const TYPE_SCORES: Readonly<Record<string, number>> = { page: 2, identify: 3, track: 5 }

/**
 * Scores `event` from `scores` (the site's table over {@link DEFAULT_SCORES}; a `page` key
 * overrides page views). `Scroll Depth Reached` is 4 ("deep scroll") at 75 % and over, else 3.
 * @returns an integer in 1..10.
 */
export function getScore(event: OutgoingEvent, scores: Readonly<Record<string, number>>): number {
  const name = event.type == 'track' ? String(event.event) : event.type
  let score = scores[name]
  if (score == null) {
    score =
      name == 'Scroll Depth Reached'
        ? Number(event.properties && event.properties.depth) >= 75
          ? 4
          : 3
        : TYPE_SCORES[event.type] || 1
  }
  return Math.min(10, Math.max(1, Math.round(score) || 1))
}
