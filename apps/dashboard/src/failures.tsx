import type { FailureView } from '@cycleshare/client'
import { clock, shortPeer } from './format.js'
import type { Live } from './live.js'

export function FailuresPage ({ live }: { live: Live }): preact.JSX.Element {
  return (
    <section>
      <h2>Failures</h2>
      <FailureTable failures={live.failures} showJob />
    </section>
  )
}

export function FailureTable ({ failures, showJob }: { failures: FailureView[], showJob: boolean }): preact.JSX.Element {
  if (failures.length === 0) return <p class='empty'>No failed attempts.</p>
  return (
    <table class='failures'>
      <thead><tr><th>When</th>{showJob && <th>Job</th>}<th>Chunk</th><th>Attempt</th><th>Worker</th><th>Error</th></tr></thead>
      <tbody>
        {failures.map(f => (
          <tr key={`${f.jobId}/${f.index}/${f.attempt}`} data-failure>
            <td>{clock(f.at)}</td>
            {showJob && <td><a href={`#/jobs/${f.jobId}`}><code>{f.jobId}</code></a></td>}
            <td class='num'>{f.index}</td>
            <td class='num'>{f.attempt}</td>
            <td title={f.worker}><code>{shortPeer(f.worker)}</code></td>
            <td class='error'>{f.error}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
