import { duration, type FailureView, type JobView } from '@cycleshare/client'
import { isFinished } from '@cycleshare/api'
import { useEffect, useState } from 'preact/hooks'
import { FailureTable } from './failures.js'
import { clock } from './format.js'
import type { Live } from './live.js'
import { TaskStream } from './stream.js'

const STATES = ['waiting', 'running', 'verifying', 'done', 'failed'] as const

export function JobsPage ({ live }: { live: Live }): preact.JSX.Element {
  const jobs = [...live.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  return (
    <section>
      <TaskStream live={live} />
      <h2>Jobs</h2>
      {jobs.length === 0
        ? <p class='empty'>No jobs yet. Submit one with <code>cycleshare submit</code> or <code>POST /api/jobs</code>.</p>
        : (
          <table class='jobs'>
            <thead><tr><th>Job</th><th>Task</th><th>Status</th><th>Progress</th><th>Chunks/s</th><th>ETA</th>{STATES.map(s => <th key={s}>{s}</th>)}<th>Submitted</th><th /></tr></thead>
            <tbody>{jobs.map(job => <JobRow key={job.id} live={live} job={job} />)}</tbody>
          </table>
          )}
    </section>
  )
}

function JobRow ({ live, job }: { live: Live, job: JobView }): preact.JSX.Element {
  const pace = live.pace.get(job.id)
  const rate = isFinished(job.status) ? undefined : pace?.rate()
  const eta = isFinished(job.status) ? undefined : pace?.etaMs(job.progress.total)
  return (
    <tr data-job-id={job.id} data-status={job.status}>
      <td><a href={`#/jobs/${job.id}`}><code>{job.id}</code></a></td>
      <td>{job.task}</td>
      <td><span class={`status ${job.status}`}>{job.status}</span></td>
      <td><Progress job={job} /></td>
      <td class='num'>{rate === undefined ? '' : rate.toFixed(1)}</td>
      <td class='num'>{eta === undefined ? '' : duration(eta)}</td>
      {STATES.map(s => <td key={s} class='num' data-chunks={s}>{job.chunks[s]}</td>)}
      <td>{clock(job.createdAt)}</td>
      <td><CancelButton live={live} job={job} /></td>
    </tr>
  )
}

export function Progress ({ job }: { job: JobView }): preact.JSX.Element {
  const share = job.progress.total === 0 ? 0 : job.progress.done / job.progress.total
  return (
    <div class='progress' title={`${job.progress.done} of ${job.progress.total} chunks`}>
      <div class={`bar ${job.status}`} style={{ width: `${(share * 100).toFixed(1)}%` }} />
      <span data-progress>{job.progress.done}/{job.progress.total}</span>
    </div>
  )
}

function CancelButton ({ live, job }: { live: Live, job: JobView }): preact.JSX.Element | null {
  const [problem, setProblem] = useState('')
  if (isFinished(job.status)) return null
  const cancel = (): void => {
    live.client.cancel(job.id).then(() => { setProblem('') }, (err: Error) => { setProblem(err.message) })
  }
  return (
    <span>
      <button type='button' onClick={cancel} disabled={live.token === undefined} title={live.token === undefined ? 'Cancelling needs the API token (top right)' : 'Cancel this job'}>cancel</button>
      {problem !== '' && <span class='problem'>{problem}</span>}
    </span>
  )
}

export function JobPage ({ live, id }: { live: Live, id: string }): preact.JSX.Element {
  const job = live.jobs.get(id)
  const [problem, setProblem] = useState('')
  const [failures, setFailures] = useState<FailureView[]>([])
  useEffect(() => {
    setProblem('')
    if (!live.jobs.has(id)) live.find(id).catch((err: Error) => { setProblem(err.message) })
    live.client.failures(id, 100).then(setFailures, () => {})
  }, [id])
  if (job === undefined) return <section><h2>Job <code>{id}</code></h2><p class='problem'>{problem === '' ? 'Looking…' : problem}</p></section>
  // Failures read when the page opened, and those heard since.
  const seen = new Set(failures.map(f => `${f.index}/${f.attempt}`))
  const all = [...live.failures.filter(f => f.jobId === id && !seen.has(`${f.index}/${f.attempt}`)), ...failures]
  const pace = live.pace.get(id)
  const rate = isFinished(job.status) ? undefined : pace?.rate()
  const eta = isFinished(job.status) ? undefined : pace?.etaMs(job.progress.total)
  const took = job.finishedAt === undefined ? undefined : Date.parse(job.finishedAt) - Date.parse(job.createdAt)
  return (
    <section data-job-id={job.id} data-status={job.status}>
      <h2>Job <code>{job.id}</code> <span class={`status ${job.status}`}>{job.status}</span> <CancelButton live={live} job={job} /></h2>
      <Progress job={job} />
      <dl class='facts'>
        <dt>task</dt><dd>{job.task}</dd>
        <dt>submitted</dt><dd>{clock(job.createdAt)}</dd>
        {took !== undefined && <><dt>took</dt><dd>{duration(took)}</dd></>}
        {rate !== undefined && <><dt>chunks/s</dt><dd>{rate.toFixed(1)}</dd></>}
        {eta !== undefined && <><dt>ETA</dt><dd>{duration(eta)}</dd></>}
        <dt>replication</dt><dd>{String(job.options.replication)} (quorum {job.options.quorum})</dd>
        <dt>copies</dt><dd>{job.stats.backups} backups, {job.stats.resumed} resumed, {job.stats.transfers} handed over</dd>
        {job.error !== undefined && <><dt>error</dt><dd class='problem'>{job.error}</dd></>}
      </dl>
      <table class='chunk-states'><tbody><tr>{STATES.map(s => <td key={s}><b data-chunks={s}>{job.chunks[s]}</b> {s}</td>)}</tr></tbody></table>
      <h3>Failures</h3>
      <FailureTable failures={all} showJob={false} />
    </section>
  )
}
