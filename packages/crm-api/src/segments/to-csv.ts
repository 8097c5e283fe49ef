/**
 * CSV text (RFC 4180: CRLF line ends, fields with `"`, `,` or line breaks quoted, quotes doubled).
 * Cells starting with `=`, `@`, tab or CR, or with `+`/`-` when not a plain number (a phone such as
 * `+34600000000` stays as is), get a leading `'` so spreadsheets do not run them as formulas
 * (OWASP "CSV Injection").
 */
function toCell(value: string): string {
  const formula = /^[=@\t\r]/.test(value) || (/^[+-]/.test(value) && !/^[+-][\d\s().]*$/.test(value))
  const safe = formula ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((row) => row.map(toCell).join(',')).join('\r\n') + '\r\n'
}
