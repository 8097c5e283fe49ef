/**
 * Heatmaps: pick a page and a device class; clicks are drawn as a density layer over a live view
 * of the page (an iframe at the device's width), beside how far its visitors scrolled. Reads the
 * collector's `GET /v1/heatmaps` (aggregated click cells and the scroll-depth distribution).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, toQuery, useApi } from '../api.js'
import type { Breakdown } from '../analytics-types.js'
import { useApp } from '../app-context.js'
import { Empty, ErrorNote, Load, Loading } from '../components/states.js'

interface Heatmap {
  clicks: number
  pageHeight: number
  viewportWidth: number
  binPx: number
  bins: { x: number; y: number; count: number }[]
  scroll: { pageViews: number; reached: { depth: number; pageViews: number; share: number }[] }
}

/** Width the page is shown at per device class (CSS px), when the data has no median viewport. */
const DEVICE_WIDTHS = { mobile: 390, tablet: 820, desktop: 1280 } as const
type Device = keyof typeof DEVICE_WIDTHS

export function HeatmapsView() {
  const { range } = useApp()
  const query = toQuery({ from: range.from, to: range.to, site: range.site })
  const urls = useApi<{ breakdowns: Breakdown[] }>(`/v1/analytics/breakdown${query}&by=urls`)
  const [url, setUrl] = useState('')
  const [device, setDevice] = useState<Device>('desktop')
  // Pages with a URL only: events without one count in the breakdown as "(unknown)", which has
  // no heatmap to show (and /v1/heatmaps refuses it).
  const pages = useMemo(
    () => (urls.data?.breakdowns[0]?.results ?? []).filter((page) => /^https?:\/\//.test(page.value)),
    [urls.data],
  )
  useEffect(() => {
    if (!url && pages[0]) setUrl(pages[0].value)
  }, [pages])
  const heatmap = useApi<Heatmap>(url ? `/v1/heatmaps${query}&${new URLSearchParams({ url, device })}` : null)
  return (
    <>
      <h1>Heatmaps</h1>
      <Load state={urls}>
        {() =>
          pages.length === 0 ? (
            <Empty>No page views in this range yet.</Empty>
          ) : (
            <div class="pickers">
              <label>
                Page{' '}
                <select value={url} onChange={(event) => setUrl(event.currentTarget.value)}>
                  {pages.map((page) => (
                    <option value={page.value}>{page.value}</option>
                  ))}
                </select>
              </label>
              <label>
                Device{' '}
                <select value={device} onChange={(event) => setDevice(event.currentTarget.value as Device)}>
                  <option value="desktop">Desktop</option>
                  <option value="tablet">Tablet</option>
                  <option value="mobile">Mobile</option>
                </select>
              </label>
            </div>
          )
        }
      </Load>
      {url && heatmap.loading && <Loading />}
      {heatmap.error &&
        (heatmap.error instanceof ApiError && heatmap.error.status === 404 ? (
          <Empty>This collector has no heatmap endpoint yet (`GET /v1/heatmaps`).</Empty>
        ) : (
          <ErrorNote error={heatmap.error} />
        ))}
      {heatmap.data && !heatmap.loading && <HeatmapPanel url={url} device={device} data={heatmap.data} />}
    </>
  )
}

function HeatmapPanel({ url, device, data }: { url: string; device: Device; data: Heatmap }) {
  const { format } = useApp()
  const width = data.viewportWidth || DEVICE_WIDTHS[device]
  const height = Math.max(data.pageHeight, 600)
  const box = useRef<HTMLDivElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const [scale, setScale] = useState(1)
  useEffect(() => {
    const element = box.current
    if (!element) return
    const fit = () => setScale(Math.min(1, element.clientWidth / width))
    fit()
    const observer = new ResizeObserver(fit)
    observer.observe(element)
    return () => observer.disconnect()
  }, [width])
  useEffect(() => {
    const context = canvas.current?.getContext('2d')
    if (!context) return
    drawDensity(context, data, width, height)
  }, [data, width, height])
  return (
    <div class="heatmap-layout">
      <section class="card">
        <h2>
          Clicks <span class="muted">({format.number(data.clicks)})</span>
        </h2>
        {data.clicks === 0 && <Empty>No clicks recorded on this page for {device} yet.</Empty>}
        <div class="heatmap-box" ref={box} style={{ height: `${height * scale}px` }}>
          <div
            class="heatmap-stage"
            style={{ width: `${width}px`, height: `${height}px`, transform: `scale(${scale})` }}
          >
            <iframe
              src={url}
              title={`Live view of ${url}`}
              width={width}
              height={height}
              tabIndex={-1}
              sandbox="allow-same-origin"
            />
            <canvas
              ref={canvas}
              width={width}
              height={height}
              aria-label={`Click density: ${data.clicks} clicks`}
              role="img"
            />
          </div>
        </div>
      </section>
      <section class="card" aria-label="Scroll depth">
        <h2>Scroll depth</h2>
        {data.scroll.pageViews === 0 ? (
          <Empty>No Page Left events with a scroll depth yet.</Empty>
        ) : (
          <ol class="scroll-depth">
            {data.scroll.reached.map((step) => (
              <li>
                <span>{step.depth}%</span>
                <span class="scroll-bar" style={{ width: `${step.share * 100}%` }} />
                <span class="num">{format.percent(step.share)}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  )
}

/** Draws each click cell as a radial blob, then maps the accumulated alpha to a blue→red ramp. */
function drawDensity(context: CanvasRenderingContext2D, data: Heatmap, width: number, height: number): void {
  context.clearRect(0, 0, width, height)
  const top = Math.max(1, ...data.bins.map((bin) => bin.count))
  const radius = Math.max(16, data.binPx * 1.5)
  for (const bin of data.bins) {
    const x = bin.x + data.binPx / 2
    const y = bin.y + data.binPx / 2
    const gradient = context.createRadialGradient(x, y, 0, x, y, radius)
    gradient.addColorStop(0, `rgba(0,0,0,${0.25 + 0.75 * (bin.count / top)})`)
    gradient.addColorStop(1, 'rgba(0,0,0,0)')
    context.fillStyle = gradient
    context.fillRect(x - radius, y - radius, radius * 2, radius * 2)
  }
  const image = context.getImageData(0, 0, width, height)
  const pixels = image.data
  for (let i = 3; i < pixels.length; i += 4) {
    const alpha = pixels[i]! / 255
    if (alpha === 0) continue
    // Hue 240 (blue) for little, 0 (red) for most.
    const [r, g, b] = hslToRgb((1 - alpha) * 240)
    pixels[i - 3] = r
    pixels[i - 2] = g
    pixels[i - 1] = b
    pixels[i] = Math.min(255, 60 + alpha * 180)
  }
  context.putImageData(image, 0, 0)
}

function hslToRgb(hue: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + hue / 30) % 12
    return Math.round(255 * (0.5 - 0.5 * Math.max(-1, Math.min(k - 3, 9 - k, 1))))
  }
  return [f(0), f(8), f(4)]
}
