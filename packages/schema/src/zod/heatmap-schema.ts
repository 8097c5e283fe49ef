/**
 * zod schema of the `$heatmap` event's properties, checked at ingest so every stored point can be
 * drawn: bounded coordinates, offsets within the element, a selector of bounded length.
 */
import { z } from 'zod'
import type { HeatmapPoint, HeatmapProperties } from '../heatmap-types.js'
import { MAX_HEATMAP_POINTS, MAX_SELECTOR_LENGTH } from '../limits.js'

/**
 * Largest page coordinate accepted, either way (CSS px). A coordinate may be negative: `pageX` of
 * an RTL page scrolled sideways, `pageY` during an overscroll bounce.
 */
const MAX_PAGE_PX = 1_000_000
/** Largest viewport width accepted (CSS px). */
const MAX_VIEWPORT_PX = 100_000

const offsetSchema = z.number().min(0).max(1)
const pagePxSchema = z.number().min(-MAX_PAGE_PX).max(MAX_PAGE_PX)

export const heatmapPointSchema: z.ZodType<HeatmapPoint> = z.looseObject({
  x: pagePxSchema,
  y: pagePxSchema,
  w: z.number().min(1).max(MAX_VIEWPORT_PX),
  s: z.string().max(MAX_SELECTOR_LENGTH),
  ox: offsetSchema,
  oy: offsetSchema,
})

export const heatmapPropertiesSchema: z.ZodType<HeatmapProperties> = z.looseObject({
  points: z.array(heatmapPointSchema).min(1).max(MAX_HEATMAP_POINTS),
  pageHeight: z.number().min(0).max(MAX_PAGE_PX).optional(),
})
