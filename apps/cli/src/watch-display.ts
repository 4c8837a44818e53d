import type { JobView } from '@cycleshare/api'
import cliProgress from 'cli-progress'
import { duration, Throughput } from '@cycleshare/client'

/** How `watch` shows a job while it runs. */
export interface WatchDisplay {
  update(job: JobView): void
  lost(reason: string, retryMs: number): void
  /** The job ended: the last line says how. */
  end(job: JobView): void
}

type Out = NodeJS.WritableStream & { isTTY?: boolean }

/**
 * On a terminal a live bar (chunks, chunks/s over the last 10 s, ETA) on stderr; elsewhere (a log,
 * a pipe) a plain line when the status changes and at most every 5 s while it runs; with `--json`
 * every view as one JSON line on stdout, for scripts.
 */
export function watchDisplay (options: { json: boolean, stdout: Out, stderr: Out, now?: () => number }): WatchDisplay {
  if (options.json) return jsonLines(options.stdout)
  return options.stderr.isTTY === true ? liveBar(options.stderr, options.now ?? Date.now) : plainLines(options.stderr, options.now ?? Date.now)
}

function jsonLines (out: Out): WatchDisplay {
  return {
    update (job) { out.write(JSON.stringify(job) + '\n') },
    lost () {},
    end () {}
  }
}

const PLAIN_EVERY_MS = 5_000

function plainLines (out: Out, now: () => number): WatchDisplay {
  const pace = new Throughput()
  let lastStatus = ''
  let lastAt = -Infinity
  return {
    update (job) {
      const at = now()
      pace.add(at, job.progress.done)
      if (job.status === lastStatus && at - lastAt < PLAIN_EVERY_MS) return
      if (job.status === 'done' || job.status === 'failed' || job.status === 'cancelled') return // end() says it
      lastStatus = job.status
      lastAt = at
      out.write(`job ${job.id} ${job.status}: ${progressText(job, pace)}\n`)
    },
    lost (reason, retryMs) { out.write(`lost the event stream (${reason}); retrying in ${duration(retryMs)}\n`) },
    end (job) { out.write(endLine(job) + '\n') }
  }
}

function liveBar (out: Out, now: () => number): WatchDisplay {
  const pace = new Throughput()
  const bar = new cliProgress.SingleBar({
    stream: out,
    format: '{status} |{bar}| {value}/{total} chunks | {rate} | ETA {eta}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
    etaBuffer: 1
  }, cliProgress.Presets.shades_classic)
  let started = false
  return {
    update (job) {
      pace.add(now(), job.progress.done)
      const rate = pace.rate()
      const eta = pace.etaMs(job.progress.total)
      const payload = { status: job.status.padEnd(9), rate: rate === undefined ? '… chunks/s' : `${rate.toFixed(1)} chunks/s`, eta: eta === undefined ? '…' : duration(eta) }
      if (!started) {
        bar.start(job.progress.total, job.progress.done, payload)
        started = true
      } else {
        bar.setTotal(job.progress.total)
        bar.update(job.progress.done, payload)
      }
    },
    lost (reason, retryMs) { bar.update({ status: 'reconnecting', rate: reason, eta: duration(retryMs) }) },
    end (job) {
      if (started) bar.stop()
      out.write(endLine(job) + '\n')
    }
  }
}

function progressText (job: JobView, pace: Throughput): string {
  const rate = pace.rate()
  const eta = pace.etaMs(job.progress.total)
  return `${job.progress.done}/${job.progress.total} chunks` +
    (rate === undefined ? '' : `, ${rate.toFixed(1)} chunks/s`) +
    (eta === undefined ? '' : `, ETA ${duration(eta)}`)
}

/** `job X done: 64/64 chunks in 3.2 s`, timed by the coordinator's clock from submission to the end. */
export function endLine (job: JobView): string {
  const took = job.finishedAt === undefined ? '' : ` in ${duration(Date.parse(job.finishedAt) - Date.parse(job.createdAt))}`
  const counts = `${job.progress.done}/${job.progress.total} chunks`
  if (job.status === 'done') return `job ${job.id} done: ${counts}${took}`
  return `job ${job.id} ${job.status}${took}: ${counts}${job.error === undefined ? '' : `; ${job.error}`}`
}
