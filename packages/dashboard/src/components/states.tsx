/** Loading, error and empty states shared by the views. */
import type { ComponentChildren } from 'preact'
import type { Loaded } from '../api.js'

export function Loading() {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading…
    </p>
  )
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>
}

export function ErrorNote({ error }: { error: Error }) {
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  )
}

/** Renders `children(data)` once loaded, else the loading or error state. */
export function Load<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.error) return <ErrorNote error={state.error} />
  if (state.data === undefined) return <Loading />
  return <>{children(state.data)}</>
}
