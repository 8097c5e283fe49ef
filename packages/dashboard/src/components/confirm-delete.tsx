/**
 * The second step of a delete asked twice: "Delete for good", which takes the focus when shown,
 * and "Keep", which gives up. The first step is the caller's own "Delete" button.
 */
import { useEffect, useRef } from 'preact/hooks'

export function ConfirmDelete({
  label,
  onDelete,
  onKeep,
}: {
  /** The accessible name of "Delete for good" when the visible text is not enough (a list of deals). */
  label?: string
  onDelete: () => void
  onKeep: () => void
}) {
  const confirm = useRef<HTMLButtonElement>(null)
  useEffect(() => confirm.current?.focus(), [])
  return (
    <>
      <button type="button" class="danger" ref={confirm} aria-label={label} onClick={onDelete}>
        Delete for good
      </button>
      <button type="button" class="secondary" onClick={onKeep}>
        Keep
      </button>
    </>
  )
}
