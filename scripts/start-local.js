#!/usr/bin/env node
// `npm start`: a coordinator on port 8080 with its SQLite store in ./data, and two local workers.
// Logs go to ./data/logs; Ctrl-C stops the workers first (they hand back unfinished chunks), then
// the coordinator. The coordinator's first API token is kept in ./data/api-token for the demo's
// commands (a real coordinator shows it once and keeps only its hash).
import { execFileSync, spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const data = join(root, 'data')
const logs = join(data, 'logs')
mkdirSync(logs, { recursive: true })
const port = process.env.PORT ?? '8080'
const tokenFile = join(data, 'api-token')
const coordinatorBin = join(root, 'apps/coordinator/bin/cycleshare-coordinator.js')

function start (name, script, args, onLine) {
  const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const log = createWriteStream(join(logs, `${name}.log`), { flags: 'a' })
  child.stderr.pipe(log)
  createInterface({ input: child.stdout }).on('line', (line) => {
    log.write(line + '\n')
    try { onLine?.(JSON.parse(line)) } catch {}
  })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); see ${join(logs, name + '.log')}`)
      stop(1)
    }
  })
  return child
}

let stopping = false
const workers = []
let coordinator

async function stop (code = 0) {
  if (stopping) return
  stopping = true
  await Promise.all(workers.map(w => new Promise(r => { w.once('exit', r); w.kill('SIGTERM') })))
  if (coordinator) await new Promise(r => { coordinator.once('exit', r); coordinator.kill('SIGTERM') })
  process.exit(code)
}
process.on('SIGINT', () => { void stop() })
process.on('SIGTERM', () => { void stop() })

coordinator = start('coordinator', 'apps/coordinator/bin/cycleshare-coordinator.js',
  ['--port', port, '--data-dir', join(data, 'coordinator'), '--listen', '/ip4/0.0.0.0/tcp/4001'],
  (line) => {
    if (typeof line.apiToken === 'string') writeFileSync(tokenFile, line.apiToken + '\n', { mode: 0o600 })
    if (line.msg !== 'coordinator ready') return
    if (!existsSync(tokenFile)) {
      writeFileSync(tokenFile, execFileSync(process.execPath, [coordinatorBin, 'token', '--data-dir', join(data, 'coordinator'), '--label', 'npm start'], { encoding: 'utf8' }), { mode: 0o600 })
    }
    const token = readFileSync(tokenFile, 'utf8').trim()
    const local = line.multiaddrs.find(a => a.includes('/127.0.0.1/')) ?? line.multiaddrs[0]
    for (const n of [1, 2]) {
      // Both workers share this machine: each would see the other as load, so the demo lends it outright.
      workers.push(start(`worker-${n}`, 'apps/worker/bin/cycleshare-worker.js',
        ['--coordinator', local, '--threads', '1', '--data-dir', join(data, `worker-${n}`), '--max-load', '100', '--allow-battery']))
    }
    console.log(`cycleshare is running.
  dashboard:  ${line.api.replace(/\/api$/, '/')}
  API:        ${line.api}   (OpenAPI: ${line.api}/docs; WebSocket events: ${line.api.replace(/^http/, 'ws')}/events)
  libp2p:     ${line.multiaddrs.join('\n              ')}
  workers:    2 local workers, 1 thread each
  logs:       ${logs}

Try (writes need the API token, kept for this demo in ${tokenFile}):
  export CYCLESHARE_COORDINATOR=${line.api.replace(/\/api$/, '')} CYCLESHARE_TOKEN=${token}
  npx cycleshare submit primes -p to=1e9 --chunks 64 --watch

More workers, from any machine that can reach this one:
  npx cycleshare-worker --coordinator ${line.multiaddrs.find(a => !a.includes('/127.0.0.1/')) ?? local}
Ctrl-C stops everything.`)
  })
