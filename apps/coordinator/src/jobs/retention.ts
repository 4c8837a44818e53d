import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common'
import { formatDuration } from '@cycleshare/program'
import type { Scheduler } from '@cycleshare/scheduler'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { LOGGER, type Logger } from '../logger.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'

/** How often, at most, finished jobs past `--retain` are looked for: a tenth of it, from 1 s to a minute. */
export const pruneIntervalMs = (retainMs: number): number => Math.min(60_000, Math.max(1_000, Math.round(retainMs / 10)))

/**
 * `--retain`: finished jobs are removed (with their chunks, results and failure log) once they
 * ended that long ago, so that a coordinator run for months keeps a store the size of what it
 * retains. Checked at start, then every `pruneIntervalMs`; each pass removes a bounded batch and
 * goes on at once while there is more.
 */
@Injectable()
export class Retention implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout

  constructor (
    @Inject(SCHEDULER) private readonly scheduler: Scheduler,
    @Inject(CONFIG) private readonly config: CoordinatorConfig,
    @Inject(LOGGER) private readonly log: Logger
  ) {}

  onModuleInit (): void {
    const { retainMs } = this.config
    if (retainMs === undefined) return
    const prune = (): void => {
      let removed: string[]
      try {
        removed = this.scheduler.prune(Date.now() - retainMs)
      } catch (err) {
        this.log.error({ err }, 'could not remove finished jobs past --retain')
        this.timer = setTimeout(prune, pruneIntervalMs(retainMs)).unref()
        return
      }
      if (removed.length > 0) this.log.info({ jobs: removed.length, retain: formatDuration(retainMs) }, 'removed finished jobs past --retain')
      this.timer = setTimeout(prune, removed.length > 0 ? 0 : pruneIntervalMs(retainMs)).unref()
    }
    prune()
  }

  onModuleDestroy (): void {
    clearTimeout(this.timer)
  }
}
