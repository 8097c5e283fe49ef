/**
 * Sign-in with a tenant's secret key. The key goes once to `POST /app/api/session`, which answers
 * with an httpOnly session cookie; the page keeps nothing (the field is cleared, no storage).
 */
import { useState } from 'preact/hooks'
import { request, type Session } from '../api.js'

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  async function submit(event: Event) {
    event.preventDefault()
    const form = event.currentTarget as HTMLFormElement
    const input = form.elements.namedItem('key') as HTMLInputElement
    setBusy(true)
    setError(undefined)
    try {
      const { data } = await request<Session>('/app/api/session', {
        method: 'POST',
        body: { key: input.value },
      })
      input.value = ''
      onSignedIn(data)
    } catch (caught) {
      setError((caught as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="sign-in" id="main">
      <h1>Rastro</h1>
      <form onSubmit={submit}>
        <label for="key">Secret key</label>
        <input id="key" name="key" type="password" autoComplete="off" required placeholder="sk_…" />
        <p class="muted">Your tenant's secret key. It is not stored in this page; a session cookie is.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  )
}
