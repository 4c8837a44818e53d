import type { DispatchStats, WorkerView } from '@cycleshare/api'
import type { HistogramSnapshot, JobStatus, SchedulerStats } from '@cycleshare/scheduler'
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client'

/** What the metrics read, each time they are scraped (nothing is counted twice: the sources keep the counts). */
export interface MetricSources {
  stats(): SchedulerStats
  jobCounts(): Record<JobStatus, number>
  dispatch(): DispatchStats
  workers(): WorkerView[]
  blobBytesServed(): number
}

type Sample = { value: number, labels?: Record<string, string | number>, metricName?: string }

/**
 * A metric whose values are read from a source when scraped: the scheduler and the accumulation
 * point already count everything, so /metrics copies their counts rather than keeping its own.
 */
function readMetric (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', read: () => Sample[]): Metric {
  return { name, get: async () => ({ name, help, type, values: read(), aggregator: 'sum' }) } as unknown as Metric
}

/** A histogram snapshot in seconds, as Prometheus expects durations. */
function histogramSamples (name: string, h: HistogramSnapshot): Sample[] {
  const s = (ms: number): number => ms / 1000
  return [
    ...h.bounds.map((bound, i) => ({ metricName: `${name}_bucket`, labels: { le: s(bound) }, value: h.cumulative[i] })),
    { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: h.cumulative[h.bounds.length] },
    { metricName: `${name}_sum`, value: s(h.sum) },
    { metricName: `${name}_count`, value: h.count }
  ]
}

/** How often the event loop's lag is sampled, in milliseconds. */
export const EVENT_LOOP_SAMPLE_MS = 250

/** The coordinator's metrics in Prometheus text (README, "Metrics"), plus Node's own (CPU, memory, event loop lag, GC). */
export function createMetricsRegistry (sources: MetricSources): Registry {
  const registry = new Registry()
  // The event loop's lag is sampled by a timer: prom-client's default, every 10 ms, woke the
  // coordinator 100 times a second even when idle, and each wake-up pre-empts a task thread on a
  // machine shared with workers. Every 250 ms still shows a loop that lags.
  collectDefaultMetrics({ register: registry, prefix: 'cycleshare_coordinator_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS })
  const counter = (name: string, help: string, pick: (s: SchedulerStats) => number): void => {
    registry.registerMetric(readMetric(name, help, 'counter', () => [{ value: pick(sources.stats()) }]))
  }
  registry.registerMetric(readMetric('cycleshare_jobs', 'Jobs by state.', 'gauge',
    () => Object.entries(sources.jobCounts()).map(([state, value]) => ({ labels: { state }, value }))))
  counter('cycleshare_chunks_leased_total', 'Chunk copies leased to workers (backups and reissues included).', s => s.leased)
  counter('cycleshare_chunks_completed_total', 'Chunk results that counted (ok and readable).', s => s.completed)
  counter('cycleshare_chunks_failed_total', 'Failed chunk results: the task threw, the output was unreadable, or it ran past its timeout.', s => s.failed)
  counter('cycleshare_chunks_reissued_total', 'Leases lost before a result (expired or released): their copy is issued again.', s => s.reissued)
  counter('cycleshare_chunks_handed_over_total', 'Leases moved from one worker to another by a transfer (handoff).', s => s.transferred)
  registry.registerMetric(readMetric('cycleshare_result_latency_seconds', 'From a chunk copy\'s lease to its counted result.', 'histogram',
    () => histogramSamples('cycleshare_result_latency_seconds', sources.stats().resultLatencyMs)))
  registry.registerMetric(readMetric('cycleshare_store_write_seconds', 'SQLite transactions of the scheduler.', 'histogram',
    () => histogramSamples('cycleshare_store_write_seconds', sources.stats().writeMs)))
  registry.registerMetric(readMetric('cycleshare_pulls_total', 'Pulls taken from workers (within their budgets).', 'counter', () => [{ value: sources.dispatch().pulls }]))
  registry.registerMetric(readMetric('cycleshare_empty_pulls_total', 'Pulls that found nothing to lease.', 'counter', () => [{ value: sources.dispatch().emptyPulls }]))
  registry.registerMetric(readMetric('cycleshare_workers', 'Workers by state (idle and working ones are connected).', 'gauge', () => {
    const byState: Record<string, number> = { idle: 0, working: 0, disconnected: 0, excluded: 0 }
    for (const w of sources.workers()) byState[w.state]++
    return Object.entries(byState).map(([state, value]) => ({ labels: { state }, value }))
  }))
  registry.registerMetric(readMetric('cycleshare_workers_connected', 'Workers connected now (idle or working).', 'gauge',
    () => [{ value: sources.workers().filter(w => w.state === 'idle' || w.state === 'working').length }]))
  registry.registerMetric(readMetric('cycleshare_blob_bytes_served_total', 'Blob bytes sent to peers.', 'counter', () => [{ value: sources.blobBytesServed() }]))
  return registry
}
