/**
 * A time series drawn with uPlot (canvas; ~20 KiB gzip), sized to its container, axes labelled in
 * the tenant's time zone. A visually hidden table carries the same numbers for screen readers.
 */
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface Series {
  label: string
  values: number[]
  color: string
}

export function LineChart({
  times,
  series,
  formatTime,
  title,
}: {
  /** Epoch seconds. */
  times: number[]
  series: Series[]
  formatTime: (epochSeconds: number) => string
  title: string
}) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (!element) return
    const width = () => Math.max(280, element.clientWidth)
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        series: [
          { label: 'Time', value: (_u, value) => (value == null ? '' : formatTime(value)) },
          ...series.map((line) => ({
            label: line.label,
            stroke: line.color,
            width: 2,
            fill: `${line.color}22`,
          })),
        ],
        axes: [
          {
            // Ticks on the data's own interval starts (midnights or hours of the tenant's time zone,
            // which uPlot's local-time ticks would miss), thinned to about one per 90 px.
            splits: (u) => {
              const every = Math.max(1, Math.ceil(times.length / Math.max(2, Math.floor(u.width / 90))))
              return times.filter((_, i) => i % every === 0)
            },
            values: (_u, ticks) => ticks.map((tick) => formatTime(tick)),
            stroke: 'currentColor',
          },
          { stroke: 'currentColor' },
        ],
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        cursor: { drag: { x: false, y: false } },
      },
      [times, ...series.map((line) => line.values)],
      element,
    )
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }))
    observer.observe(element)
    return () => {
      observer.disconnect()
      plot.destroy()
    }
  }, [times, series, formatTime])
  return (
    <figure class="chart">
      <div ref={box} aria-hidden="true" />
      <table class="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((line) => (
              <th scope="col">{line.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {times.map((time, i) => (
            <tr>
              <th scope="row">{formatTime(time)}</th>
              {series.map((line) => (
                <td>{line.values[i]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
