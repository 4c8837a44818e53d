import { useTicker } from './hooks.js'
import { jobColour, shortPeer } from './format.js'
import { STREAM_WINDOW_MS, type Live, type Span } from './live.js'

const WIDTH = 1000
const LANE = 18
const LABEL = 90

/**
 * The task stream: one lane per worker, each chunk copy a bar from its lease to its end (or to now
 * while it runs), coloured by job; failed copies red, lost or moved ones hatched. The last minute.
 */
export function TaskStream ({ live }: { live: Live }): preact.JSX.Element {
  useTicker(250)
  const now = live.now()
  const from = now - STREAM_WINDOW_MS
  const lanes = new Map<string, Span[]>()
  for (const w of live.workers.values()) if (w.state === 'idle' || w.state === 'working') lanes.set(w.peerId, [])
  for (const span of live.spans.values()) {
    if ((span.end ?? now) < from) continue
    let lane = lanes.get(span.worker)
    if (lane === undefined) lanes.set(span.worker, lane = [])
    lane.push(span)
  }
  const workers = [...lanes.keys()].sort()
  const x = (t: number): number => LABEL + ((Math.max(t, from) - from) / STREAM_WINDOW_MS) * (WIDTH - LABEL)
  const height = Math.max(1, workers.length) * LANE + 16
  return (
    <figure class='stream'>
      <figcaption>Task stream — the last minute, one lane per worker</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} preserveAspectRatio='xMinYMin meet' style={{ width: '100%', height: 'auto' }} role='img' aria-label='task stream' data-lanes={workers.length}>
        {workers.map((worker, i) => (
          <g key={worker} transform={`translate(0 ${i * LANE})`} data-lane={worker}>
            <text x={4} y={LANE - 5} class='lane-label'>{shortPeer(worker)}</text>
            <line x1={LABEL} x2={WIDTH} y1={LANE - 0.5} y2={LANE - 0.5} class='lane-line' />
            {(lanes.get(worker) ?? []).map(span => {
              const x1 = x(span.start)
              const x2 = Math.max(x1 + 1.5, x(span.end ?? now))
              const cls = span.outcome === 'failed' ? 'span failed' : span.outcome === 'lost' || span.outcome === 'moved' || span.outcome === 'revoked' ? 'span lost' : span.end === undefined ? 'span running' : 'span'
              return (
                <rect key={`${span.jobId}/${span.index}/${span.attempt}`} x={x1} width={x2 - x1} y={3} height={LANE - 6} class={cls}
                  style={{ fill: span.outcome === 'failed' ? undefined : jobColour(span.jobId) }}>
                  <title>{`job ${span.jobId} chunk ${span.index} (copy ${span.attempt})${span.outcome === undefined ? ', running' : `: ${span.outcome}`}`}</title>
                </rect>
              )
            })}
          </g>
        ))}
        <text x={LABEL} y={height - 3} class='axis'>−60 s</text>
        <text x={WIDTH - 24} y={height - 3} class='axis'>now</text>
      </svg>
    </figure>
  )
}
