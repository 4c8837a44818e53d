import type { WorkerView } from '@cycleshare/client'
import { clock, shortPeer } from './format.js'
import type { Live } from './live.js'

/** Trust in words: how a worker's results compared with others'. */
function trust (w: WorkerView): string {
  if (w.excluded !== undefined) return 'excluded'
  if (w.invalid > 0) return `outvoted ${w.invalid}×`
  if (w.valid > 0) return `confirmed ${w.valid}×`
  return 'unchecked'
}

export function WorkersPage ({ live }: { live: Live }): preact.JSX.Element {
  const workers = [...live.workers.values()].sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))
  return (
    <section>
      <h2>Workers</h2>
      {workers.length === 0
        ? <p class='empty'>No workers yet. Start one with <code>cycleshare-worker --coordinator &lt;multiaddr&gt;</code>.</p>
        : (
          <table class='workers'>
            <thead><tr><th>Worker</th><th>State</th><th>Threads</th><th>Done</th><th>Valid</th><th>Invalid</th><th>Failed</th><th title='CPU-seconds of validated results'>Credit</th><th>Trust</th><th>Why not working</th><th>Last seen</th></tr></thead>
            <tbody>
              {workers.map(w => (
                <tr key={w.peerId} data-peer-id={w.peerId} data-state={w.state}>
                  <td title={w.peerId}><code>{shortPeer(w.peerId)}</code></td>
                  <td><span class={`state ${w.state}`}>{w.state}</span></td>
                  <td class='num'>{w.threads}</td>
                  <td class='num'>{w.chunksDone}</td>
                  <td class='num'>{w.valid}</td>
                  <td class='num'>{w.invalid}</td>
                  <td class='num'>{w.chunksFailed}</td>
                  <td class='num' data-credit>{w.credit.toFixed(1)}</td>
                  <td>{trust(w)}</td>
                  <td class='problem'>{w.excluded ?? w.throttled ?? ''}</td>
                  <td>{clock(w.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
    </section>
  )
}
