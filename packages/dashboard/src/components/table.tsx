/** A ranked list as a table, each row with a bar of its share of the top value. */
import type { ComponentChildren } from 'preact'

export interface TableColumn<T> {
  label: string
  render: (row: T) => ComponentChildren
  numeric?: boolean
}

export function BarTable<T>({
  caption,
  rows,
  label,
  value,
  columns,
  empty = 'No data in this range.',
}: {
  caption: string
  rows: T[]
  label: (row: T) => ComponentChildren
  /** The value bars are drawn for. */
  value: (row: T) => number
  columns: TableColumn<T>[]
  empty?: string
}) {
  const top = Math.max(1, ...rows.map(value))
  return (
    <table class="bars">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          {columns.map((column) => (
            <th scope="col" class={column.numeric ? 'num' : ''}>
              {column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length + 1} class="muted">
              {empty}
            </td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr>
              <th scope="row" style={{ '--share': `${(value(row) / top) * 100}%` }}>
                <span>{label(row)}</span>
              </th>
              {columns.map((column) => (
                <td class={column.numeric ? 'num' : ''}>{column.render(row)}</td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  )
}
