import '@cycleshare/peer/polyfill'
import { configOrExit } from '@cycleshare/cli'
import { parseWorkerConfig } from './config.js'
import { createLogger } from './logger.js'
import { createWorkerDaemon } from './worker-daemon.js'

async function main (): Promise<void> {
  const config = configOrExit('cycleshare-worker', () => parseWorkerConfig(process.argv.slice(2)))
  process.title = 'cycleshare-worker'
  const log = createLogger(config.logLevel)
  const daemon = createWorkerDaemon(config, { log })
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: returning unfinished chunks')
    daemon.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'unclean shutdown')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => { shutdown('SIGINT') })
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  await daemon.start()
}

main().catch((err) => {
  process.stderr.write(`cycleshare-worker: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
