import { render } from 'preact'
import { useMemo, useState } from 'preact/hooks'
import { FailuresPage } from './failures.js'
import { useLive, useRoute } from './hooks.js'
import { JobPage, JobsPage } from './jobs.js'
import { Live } from './live.js'
import { WorkersPage } from './workers.js'

const TOKEN_KEY = 'cycleshare.token'

function App (): preact.JSX.Element {
  const [token, setToken] = useState(localStorage.getItem(TOKEN_KEY) ?? '')
  // A new token makes a new connection: the event stream may need it too (--private-reads).
  const live = useMemo(() => {
    const l = new Live(token === '' ? undefined : token)
    l.start()
    return l
  }, [token])
  useLive(live)
  const route = useRoute()
  const [, page, id] = /^([a-z]*)\/?(.*)$/.exec(route) ?? []
  return (
    <>
      <header>
        <h1><a href='#/'>cycleshare</a></h1>
        <nav>
          <a href='#/' class={page === '' || page === 'jobs' ? 'here' : ''}>Jobs</a>
          <a href='#/workers' class={page === 'workers' ? 'here' : ''}>Workers</a>
          <a href='#/failures' class={page === 'failures' ? 'here' : ''}>Failures</a>
        </nav>
        <form class='search' onSubmit={(e) => { e.preventDefault(); const q = new FormData(e.currentTarget).get('job'); if (typeof q === 'string' && q.trim() !== '') location.hash = `#/jobs/${q.trim()}` }}>
          <input name='job' placeholder='job id' aria-label='find a job by id' autocomplete='off' />
        </form>
        <TokenField token={token} onChange={(t) => { live.stop(); localStorage.setItem(TOKEN_KEY, t); setToken(t) }} />
        <span class={`connection ${live.connection}`} title={live.problem} data-connection={live.connection}>{live.connection}</span>
      </header>
      <main>
        {live.connection === 'refused' && <p class='problem'>{live.problem}: enter an API token.</p>}
        {page === 'jobs' && id !== '' ? <JobPage live={live} id={decodeURIComponent(id)} /> : null}
        {page === '' || (page === 'jobs' && id === '') ? <JobsPage live={live} /> : null}
        {page === 'workers' ? <WorkersPage live={live} /> : null}
        {page === 'failures' ? <FailuresPage live={live} /> : null}
      </main>
    </>
  )
}

function TokenField ({ token, onChange }: { token: string, onChange: (token: string) => void }): preact.JSX.Element {
  const [draft, setDraft] = useState(token)
  return (
    <form class='token' onSubmit={(e) => { e.preventDefault(); onChange(draft.trim()) }}>
      <input type='password' autocomplete='off' value={draft} placeholder='API token' aria-label='API token' onInput={(e) => { setDraft(e.currentTarget.value) }} />
      <button type='submit'>{token === '' ? 'use' : 'change'}</button>
    </form>
  )
}

render(<App />, document.getElementById('app') as HTMLElement)
