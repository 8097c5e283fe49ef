/**
 * Properties of the `$heatmap` track event: click points recorded by the browser SDK's heatmap
 * plugin, sent in buffers (on page hide and every 50 points). Types only, no runtime code.
 */

/** One click. Page coordinates let a screenshot be painted; selector and offsets let a live page at another width be. */
export interface HeatmapPoint {
  /** Horizontal position in the page (CSS px from the document's left edge), ±1,000,000 (negative on an RTL page scrolled sideways). */
  x: number
  /** Vertical position in the page (CSS px from the document's top), ±1,000,000 (negative during an overscroll bounce). */
  y: number
  /** Viewport width when clicked (CSS px), 1 to 100,000. Device class: < 768 mobile, < 1024 tablet, else desktop. */
  w: number
  /** A stable CSS selector of the clicked element (at most 1,024 characters; `''` when none). */
  s: string
  /** Horizontal offset of the click within the element, 0 (left edge) to 1 (right edge). */
  ox: number
  /** Vertical offset of the click within the element, 0 (top edge) to 1 (bottom edge). */
  oy: number
}

/** `properties` of a `$heatmap` event. */
export interface HeatmapProperties {
  /** 1 to 500 points. */
  points: HeatmapPoint[]
  /** Height of the document when the buffer was sent (CSS px). */
  pageHeight?: number
  [key: string]: unknown
}
