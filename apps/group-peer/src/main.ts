import '@cycleshare/peer/polyfill'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { accumulationPointGossip, createAccumulationPoint, TaskCatalog } from '@cycleshare/accumulation-point'
import { BlobStore, serveBlobs } from '@cycleshare/blobs'
import { configOrExit } from '@cycleshare/program'
import { startInOrder } from '@cycleshare/lifecycle'
import { createPeer, groupNetworkKey } from '@cycleshare/peer'
import { groupTopics } from '@cycleshare/protocol'
import { createScheduler } from '@cycleshare/scheduler'
import { openSqliteStore } from '@cycleshare/scheduler/sqlite'
import { createTaskPool } from '@cycleshare/tasks'
import { createIdleMonitor, createWorkerRuntime, workerGossip } from '@cycleshare/worker-runtime'
import { startGroupApi } from './api.js'
import { parseGroupPeerConfig } from './config.js'
import { createLogger } from './logger.js'

/**
 * A peer group member: a worker for every member's jobs (itself included), and the accumulation
 * point of the jobs submitted to it, in one process on one peer, inside the group's private
 * network. The same parts as a coordinator and a worker, wired together.
 */
async function main (): Promise<void> {
  if (process.argv[2] === 'secret') {
    process.stdout.write(randomBytes(32).toString('base64url') + '\n')
    return
  }
  const config = configOrExit('cycleshare-peer', () => parseGroupPeerConfig(process.argv.slice(2)))
  process.title = 'cycleshare-peer'
  const log = createLogger(config.logLevel)
  mkdirSync(config.dataDir, { recursive: true })

  const network = groupNetworkKey(config.group, config.secret)
  const topics = groupTopics(config.group)
  const peer = createPeer({
    dataDir: config.dataDir,
    listen: config.listen,
    bootstrap: config.bootstrap,
    bootstrapRole: 'group member',
    privateNetwork: network,
    // Named after the network key, not the group: a stranger on the LAN learns neither.
    mdns: config.mdns ? { serviceTag: `cs-${createHash('sha256').update(network).digest('hex').slice(0, 16)}` } : undefined,
    // Its own worker pulls from its own accumulation point like any member's.
    hearsItself: true,
    gossipTopics: { ...workerGossip(topics), ...accumulationPointGossip({ topics }) },
    log: (level, message, err) => { log[level]({ err }, `peer: ${message}`) }
  })

  const blobs = await BlobStore.open({ dir: join(config.dataDir, 'blobs'), maxBytes: config.blobCacheMb * 1024 * 1024 })
  const catalog = await TaskCatalog.open({ dir: join(config.dataDir, 'tasks'), blobs })
  for (const problem of catalog.problems) log.error(problem)
  const blobSize = (name: string): number | undefined => { const info = blobs.info(name); return info?.complete === true ? info.size : undefined }
  const scheduler = createScheduler({ store: openSqliteStore(join(config.dataDir, 'jobs.db')), tasks: catalog.tasks, paramsContext: { blobSize } }, {
    leaseTtlMs: config.leaseTtlMs
  })
  blobs.protect(name => scheduler.blobsNeeded().has(name))
  const point = createAccumulationPoint({ scheduler, peer, log: (level, message, fields) => { log[level](fields ?? {}, message) } }, {
    // Members reach each other through the pulls relayed to them: each dials back whom it hears.
    topics, announceIntervalMs: config.announceIntervalMs, groupMember: true
  })
  await serveBlobs({ peer, store: blobs, describe: (task) => catalog.record(task) })

  const pool = createTaskPool({ threads: config.threads, maxMemoryMb: config.memoryMb })
  const idle = createIdleMonitor({ maxLoad: config.maxLoad, allowBattery: config.allowBattery })
  const runtime = createWorkerRuntime({ peer, pool, idle, log, blobs }, {
    accumulationPoints: [peer.peerId],
    workForAnnouncers: true,
    topics,
    prefetch: config.prefetch,
    maxCpu: config.maxCpu,
    maxMemoryMb: config.memoryMb
  })

  scheduler.start()
  // Started in this order, stopped in the reverse one: the runtime last up and first down (it
  // gives its chunks back over the peer), the accumulation point before the peer under it.
  const starting = startInOrder([pool, peer, point, idle, runtime])
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down: returning unfinished chunks')
    starting.then(async (stopAll) => {
      await stopAll()
      scheduler.close()
      catalog.close()
    }).then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'unclean shutdown')
      process.exit(1)
    })
  }
  process.on('SIGINT', () => { shutdown('SIGINT') })
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  await starting
  const api = await startGroupApi({ scheduler, point, catalog, blobs, peer, group: config.group, maxUploadBytes: config.blobCacheMb * 1024 * 1024 }, config.apiPort)
  log.info({ group: config.group, peerId: peer.peerId, multiaddrs: peer.multiaddrs(), api: `http://127.0.0.1:${api.port}/api`, port: api.port }, 'peer ready')
}

main().catch((err) => {
  process.stderr.write(`cycleshare-peer: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
