/** The dashboard: sign-in, then a shell with the range and site pickers and one view per route. */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError, request, type Session } from './api.js'
import { AppContext, type AppState } from './app-context.js'
import { RangePicker } from './components/range-picker.js'
import { Loading } from './components/states.js'
import { createFormatter } from './format.js'
import { readRangeState, toInstants, writeRangeState, type RangeChoice } from './range.js'
import { href, useRoute } from './router.js'
import { ContactView } from './views/contact.js'
import { ContactsView } from './views/contacts.js'
import { DestinationsView } from './views/destinations.js'
import { FunnelsView } from './views/funnels.js'
import { HeatmapsView } from './views/heatmaps.js'
import { OverviewView } from './views/overview.js'
import { PipelineView } from './views/pipeline.js'
import { SignIn } from './views/sign-in.js'
import { VitalsView } from './views/vitals.js'

const VIEWS = [
  { id: 'overview', label: 'Overview' },
  { id: 'funnels', label: 'Funnels' },
  { id: 'vitals', label: 'Web Vitals' },
  { id: 'heatmaps', label: 'Heatmaps' },
  { id: 'contacts', label: 'Contacts' },
  { id: 'pipeline', label: 'Pipeline' },
  { id: 'destinations', label: 'Destinations' },
] as const

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  useEffect(() => {
    request<Session>('/app/api/session').then(
      (answer) => setSession(answer.data),
      () => setSession(null),
    )
    const onSignedOut = () => setSession(null)
    window.addEventListener('rastro:signed-out', onSignedOut)
    return () => window.removeEventListener('rastro:signed-out', onSignedOut)
  }, [])
  if (session === undefined) return <Loading />
  if (session === null) return <SignIn onSignedIn={setSession} />
  return <Shell session={session} onSignOut={() => setSession(null)} />
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute()
  // The range and site live in the query string (range.ts), so a reload or a shared link keeps them.
  const [initial] = useState(() => readRangeState(location.search))
  const [choice, setChoice] = useState<RangeChoice>(initial.choice)
  const [site, setSite] = useState(initial.site)
  useEffect(() => {
    const search = writeRangeState({ choice, site })
    if (search !== location.search)
      history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`)
  }, [choice, site])
  // A preset ends now; recomputed when the picker changes.
  const state = useMemo<AppState>(() => {
    const { timeZone } = session.tenant
    return {
      session,
      format: createFormatter(timeZone, session.tenant.currency),
      range: { ...toInstants(choice, timeZone, Date.now()), site },
      canEdit: session.role !== 'viewer',
    }
  }, [session, choice, site])
  const view = route[0] ?? 'overview'

  async function signOut() {
    await request('/app/api/session', { method: 'DELETE' }).catch((error: unknown) => {
      if (!(error instanceof ApiError)) throw error
    })
    onSignOut()
  }

  return (
    <AppContext.Provider value={state}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Rastro</strong>
        <span class="tenant">{session.tenant.name}</span>
        <span class={`role role-${session.role}`}>{session.role}</span>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Views" class="views">
        {VIEWS.map((item) => (
          <a
            href={href(item.id)}
            aria-current={
              view === item.id || (view === 'contact' && item.id === 'contacts') ? 'page' : undefined
            }
          >
            {item.label}
          </a>
        ))}
      </nav>
      <div class="pickers">
        <RangePicker choice={choice} timeZone={session.tenant.timeZone} onChange={setChoice} />
        <label>
          Site{' '}
          <select value={site} onChange={(event) => setSite(event.currentTarget.value)}>
            <option value="">All sites</option>
            {session.tenant.sites.map((id) => (
              <option value={id}>{id}</option>
            ))}
          </select>
        </label>
        <span class="muted">Times in {session.tenant.timeZone}</span>
      </div>
      <main id="main" tabIndex={-1}>
        {view === 'overview' && <OverviewView />}
        {view === 'funnels' && <FunnelsView />}
        {view === 'vitals' && <VitalsView />}
        {view === 'heatmaps' && <HeatmapsView />}
        {view === 'contacts' && <ContactsView />}
        {view === 'contact' && route[1] && <ContactView id={route[1]} />}
        {view === 'pipeline' && <PipelineView />}
        {view === 'destinations' && <DestinationsView />}
      </main>
    </AppContext.Provider>
  )
}
