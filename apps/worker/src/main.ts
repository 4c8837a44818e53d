import '@cycleshare/peer/polyfill'
import { join } from 'node:path'
import { ConfigError, configOrExit } from '@cycleshare/program'
import { startInOrder } from '@cycleshare/lifecycle'
import { createPeer } from '@cycleshare/peer'
import { BlobStore, serveBlobs } from '@cycleshare/blobs'
import { createTaskPool } from '@cycleshare/tasks'
import { createIdleMonitor, createWorkerRuntime, workerGossip } from '@cycleshare/worker-runtime'
import { COMMANDS, runCommand } from './commands.js'
import { parseWorkerConfig } from './config.js'
import { createLogger } from './logger.js'
import { startStatusReporter } from './status-reporter.js'
import { TerminalLine } from './terminal-line.js'

/** The peer id at the end of a multiaddr's `/p2p/<id>` (the config has checked it is there). */
const peerIdOf = (multiaddr: string): string => multiaddr.slice(multiaddr.lastIndexOf('/p2p/') + 5)

async function main (): Promise<void> {
  const command = COMMANDS.find(c => c === process.argv[2])
  if (command !== undefined) {
    await runCommand(command, process.argv.slice(3), process.env, process.stdout).catch((err: Error) => {
      process.stderr.write(`cycleshare-worker ${command}: ${err.message}\n`)
      process.exit(err instanceof ConfigError ? 2 : 1)
    })
    return
  }
  const config = configOrExit('cycleshare-worker', () => parseWorkerConfig(process.argv.slice(2)))
  process.title = 'cycleshare-worker'
  // In a terminal, one status line stays under the (readable) log lines.
  const line = process.stdout.isTTY === true ? new TerminalLine(process.stdout) : undefined
  const log = createLogger(config.logLevel, line?.log)

  const pool = createTaskPool({ threads: config.threads, maxMemoryMb: config.memoryMb })
  const peer = createPeer({
    dataDir: config.dataDir,
    listen: config.listen,
    bootstrap: config.coordinators,
    bootstrapRole: 'coordinator',
    gossipTopics: workerGossip(),
    log: (level, message, err) => { log[level]({ err }, `peer: ${message}`) }
  })
  const idle = createIdleMonitor({ maxLoad: config.maxLoad, allowBattery: config.allowBattery, workHours: config.workHours })
  // The blobs chunks read, kept across restarts (a fetch goes on from the pieces held) and served to peers.
  const blobs = await BlobStore.open({ dir: join(config.dataDir, 'blobs'), maxBytes: config.blobCacheMb * 1024 * 1024 })
  await serveBlobs({ peer, store: blobs })
  const runtime = createWorkerRuntime({ peer, pool, idle, log, blobs }, {
    // Two addresses of one coordinator are one accumulation point.
    accumulationPoints: [...new Set(config.coordinators.map(peerIdOf))],
    prefetch: config.prefetch,
    maxCpu: config.maxCpu,
    maxMemoryMb: config.memoryMb
  })

  // Started in this order, stopped in the reverse one: the runtime last up and first down, so
  // that it can still give leases back over the peer before anything under it stops.
  const starting = startInOrder([pool, peer, idle, runtime])
  let reporter: ReturnType<typeof startStatusReporter> | undefined
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: returning unfinished chunks')
    // A signal during start waits for it: then everything started is stopped, in reverse. (A
    // start that fails has stopped what it started already; main's failure handler exits.)
    starting.then(async (stopAll) => { await stopAll(); reporter?.stop() }).then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'unclean shutdown')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => { shutdown('SIGINT') })
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  // The volunteer wants the machine back for a while, or gives it again: SIGUSR1 pauses (the
  // runtime hands its unfinished chunks to idle peers or gives them back) and, sent again, resumes.
  // A signal during start waits for it; one once stopping is ignored.
  process.on('SIGUSR1', () => {
    starting.then(async () => {
      if (stopping) return
      if (runtime.paused) runtime.resume()
      else await runtime.pause()
      reporter?.update()
    }, () => {}).catch((err: unknown) => { log.error({ err }, 'could not pause') })
  })
  await starting
  reporter = startStatusReporter(runtime, config.dataDir, peer.peerId, log, line)
}

main().catch((err) => {
  process.stderr.write(`cycleshare-worker: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
