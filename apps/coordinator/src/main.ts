import '@cycleshare/peer/polyfill'
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { WsAdapter } from '@nestjs/platform-ws'
import type { NestExpressApplication } from '@nestjs/platform-express'
import { configOrExit } from '@cycleshare/program'
import { allocatorState, MMAP_THRESHOLD_TUNABLE } from '@cycleshare/program/allocator'
import { AppModule } from './app.module.js'
import { ApiTokens } from './auth/api-tokens.js'
import { tokenCommand } from './auth/token-command.js'
import { parseBackup, runBackup } from './backup-command.js'
import { parseCoordinatorConfig } from './config/coordinator-config.js'
import { createLogger } from './logger.js'
import { NetworkService } from './network/network.service.js'
import { serveOpenApi } from './openapi/document.js'
import { serveDashboard } from './dashboard.js'

async function main (): Promise<void> {
  if (process.argv[2] === 'token') {
    configOrExit('cycleshare-coordinator token', () => { tokenCommand(process.argv.slice(3)) })
    return
  }
  if (process.argv[2] === 'backup') {
    const plan = configOrExit('cycleshare-coordinator backup', () => parseBackup(process.argv.slice(3)))
    await runBackup(plan).catch((err: Error) => {
      process.stderr.write(`cycleshare-coordinator backup: ${err.message}\n`)
      process.exit(1)
    })
    return
  }
  const config = configOrExit('cycleshare-coordinator', () => parseCoordinatorConfig(process.argv.slice(2)))
  const log = createLogger(config.logLevel)
  const tokens = new ApiTokens(config.dataDir)
  if (tokens.empty) {
    // Shown once: only its hash is kept. Writes (jobs, blobs, tasks) need it.
    const apiToken = tokens.create('made on first start')
    log.info({ apiToken }, 'API token made on first start (shown only now; make more with "cycleshare-coordinator token")')
    process.stderr.write(`cycleshare-coordinator: API token (shown only now, keep it): ${apiToken}\n`)
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, log), { logger: ['error', 'warn'], bodyParser: true })
  app.useBodyParser('json', { limit: '1mb' })
  // Off unless origins are named: a page on another site must not drive this API with a visitor's token.
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, allowedHeaders: ['authorization', 'content-type'], methods: ['GET', 'POST', 'DELETE'] })
  app.useWebSocketAdapter(new WsAdapter(app))
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'])
  serveOpenApi(app)
  serveDashboard(app, log)
  await app.listen(config.port, config.host)

  const address = app.getHttpServer().address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const network = app.get(NetworkService)
  const api = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}/api`
  const allocator = allocatorState()
  if (allocator === 'untuned') log.warn(`memory freed after a burst stays with the process: start it with GLIBC_TUNABLES=${MMAP_THRESHOLD_TUNABLE} (the cycleshare-coordinator bin sets it itself on Node ≥ 22.15)`)
  log.info({ api, port, peerId: network.peerId, multiaddrs: network.multiaddrs(), dataDir: config.dataDir, allocator }, 'coordinator ready')
  for (const addr of network.multiaddrs()) process.stderr.write(`cycleshare-coordinator: libp2p listening on ${addr}\n`)
  process.stderr.write(`cycleshare-coordinator: API on ${api}\n`)
}

main().catch((err) => {
  process.stderr.write(`cycleshare-coordinator: failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
