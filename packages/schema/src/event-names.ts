/**
 * Names of the events the browser SDK, the collector and the dashboard share (the contract in
 * shared/specs and the collector README). A change here is a breaking change of the wire format.
 */

/** Track event carrying click points for heatmaps; left out of page and event counts. */
export const HEATMAP_EVENT = '$heatmap'

/** Track event sent when a page is left, with `scrollDepth` (0-100, max %) among its properties. */
export const PAGE_LEFT_EVENT = 'Page Left'
