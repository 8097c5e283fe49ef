/** What every view reads: the session, the tenant's formatter, and the chosen range and site. */
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Session } from './api.js'
import type { Formatter } from './format.js'

export interface Range {
  /** ISO 8601. */
  from: string
  to: string
  /** Site id, '' for all. */
  site: string
}

export interface AppState {
  session: Session
  format: Formatter
  range: Range
  /** Whether the signed-in key may change records (editor or owner). */
  canEdit: boolean
}

export const AppContext = createContext<AppState | null>(null)

export function useApp(): AppState {
  const state = useContext(AppContext)
  if (!state) throw new Error('useApp outside AppContext')
  return state
}
