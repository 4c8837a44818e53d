/**
 * Starts real coordinator and worker processes on 127.0.0.1 with ephemeral ports, reads their
 * JSON-line logs to learn addresses, and cleans everything up. Waiting is always on an observable
 * event (a log line, an HTTP state), never on a fixed sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { CycleshareClient, type JobRequest, type JobView, type WorkerView } from '@cycleshare/client'
import { WebSocket } from 'ws'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// The bins, as a user starts them (the coordinator's tunes its allocator first).
const coordinatorMain = join(root, 'apps/coordinator/bin/cycleshare-coordinator.js')
const workerMain = join(root, 'apps/worker/bin/cycleshare-worker.js')
const groupPeerMain = join(root, 'apps/group-peer/bin/cycleshare-peer.js')

export interface LogLine {
  msg?: string
  [key: string]: unknown
}

export class Proc {
  readonly lines: LogLine[] = []
  readonly stderr: string[] = []
  private readonly waiters = new Set<{ test: (l: LogLine) => boolean, resolve: (l: LogLine) => void }>()
  readonly exited: Promise<number | null>

  /** `group`: the child was spawned detached and leads a process group (npx and the shell it starts), signalled as one. */
  constructor (readonly name: string, readonly child: ChildProcess, private readonly group = false) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: LogLine
      try { line = JSON.parse(text) as LogLine } catch { line = { msg: text } }
      this.lines.push(line)
      for (const w of [...this.waiters]) if (w.test(line)) { this.waiters.delete(w); w.resolve(line) }
    })
    createInterface({ input: child.stderr! }).on('line', (text) => { this.stderr.push(text) })
    this.exited = new Promise((resolve) => child.once('exit', (code) => { resolve(code) }))
  }

  get alive (): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Resolves with the first log line (already seen or to come) that passes `test`. */
  async waitFor (test: (l: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    const seen = this.lines.find(test)
    if (seen !== undefined) return seen
    return await new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w)
        reject(new Error(`${this.name}: no "${what}" within ${timeoutMs} ms; last lines:\n${this.lines.slice(-10).map(l => JSON.stringify(l)).join('\n')}\nstderr:\n${this.stderr.slice(-20).join('\n')}`))
      }, timeoutMs)
      const w = { test, resolve: (l: LogLine) => { clearTimeout(timer); resolve(l) } }
      this.waiters.add(w)
      void this.exited.then((code) => {
        if (!this.waiters.has(w)) return
        this.waiters.delete(w)
        clearTimeout(timer)
        reject(new Error(`${this.name} exited (${code}) before "${what}"; stderr:\n${this.stderr.slice(-20).join('\n')}`))
      })
    })
  }

  private signal (signal: NodeJS.Signals): void {
    if (this.group && this.child.pid !== undefined) process.kill(-this.child.pid, signal)
    else this.child.kill(signal)
  }

  kill9 (): Promise<number | null> {
    this.signal('SIGKILL')
    return this.exited
  }

  async stop (): Promise<number | null> {
    if (!this.alive) return await this.exited
    this.signal('SIGTERM')
    const timer = setTimeout(() => { this.signal('SIGKILL') }, 10_000)
    const code = await this.exited
    clearTimeout(timer)
    return code
  }
}

export interface Coordinator extends Proc {
  api: string
  httpPort: number
  multiaddr: string
  peerId: string
  dataDir: string
  /** The API token it printed on its first start (on this data directory). */
  token: string
}

/** API tokens by data directory (printed once, on a first start) and by API address. */
const tokensByDir = new Map<string, string>()
const tokensByApi = new Map<string, string>()

/** The Authorization header for a coordinator's API (none for an address no coordinator here printed a token for). */
export function authHeaders (api: string): Record<string, string> {
  const token = tokensByApi.get(api)
  return token === undefined ? {} : { authorization: `Bearer ${token}` }
}

export interface CoordinatorOptions {
  dataDir?: string
  httpPort?: number
  /** libp2p TCP port; 0 for an ephemeral one. */
  p2pPort?: number
  leaseTtlMs?: number
  args?: string[]
  /** Added to the environment it starts with. */
  env?: Record<string, string>
  /** Its API token, for a data directory made elsewhere (a backup), where none is printed. */
  token?: string
}

export async function startCoordinator (opts: CoordinatorOptions = {}): Promise<Coordinator> {
  const dataDir = opts.dataDir ?? tempDir('coordinator')
  if (opts.token !== undefined) tokensByDir.set(dataDir, opts.token)
  const args = [
    coordinatorMain,
    // No --host: the API binds 127.0.0.1 by default (test/e2e/hostile-http.test.ts checks it).
    '--port', String(opts.httpPort ?? 0),
    '--data-dir', dataDir,
    '--listen', `/ip4/127.0.0.1/tcp/${opts.p2pPort ?? 0}`,
    '--lease-ttl', String(opts.leaseTtlMs ?? 3_000),
    '--announce-interval', '500',
    ...(opts.args ?? [])
  ]
  const env = opts.env === undefined ? undefined : { ...process.env, ...opts.env }
  const proc = track(new Proc('coordinator', spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })))
  const ready = await proc.waitFor(l => l.msg === 'coordinator ready', 'coordinator ready')
  const multiaddrs = ready.multiaddrs as string[]
  const printed = proc.lines.find(l => typeof l.apiToken === 'string')?.apiToken as string | undefined
  if (printed !== undefined) tokensByDir.set(dataDir, printed)
  const token = tokensByDir.get(dataDir)
  if (token === undefined) throw new Error(`no API token is known for ${dataDir}: it was made before this test started it`)
  tokensByApi.set(ready.api as string, token)
  return Object.assign(proc, {
    api: ready.api as string,
    httpPort: ready.port as number,
    multiaddr: multiaddrs.find(a => a.includes('/127.0.0.1/')) ?? multiaddrs[0],
    peerId: ready.peerId as string,
    dataDir,
    token
  })
}

export interface Worker extends Proc {
  peerId: string
  multiaddr: string
}

export async function startWorker (coordinator: string | undefined, opts: { threads?: number, dataDir?: string, args?: string[], whenIdle?: boolean } = {}): Promise<Worker> {
  const args = [
    workerMain,
    // None: the arguments (a --config file) name it.
    ...(coordinator === undefined ? [] : ['--coordinator', coordinator]),
    '--threads', String(opts.threads ?? 1),
    '--data-dir', opts.dataDir ?? tempDir('worker'),
    '--listen', '/ip4/127.0.0.1/tcp/0',
    // The machine is lent unconditionally in tests unless one is about idle detection itself (whenIdle):
    // the test process and the coordinator run at normal priority, and a loaded CI machine is not our owner.
    ...(opts.whenIdle === true ? [] : ['--max-load', '100']),
    '--allow-battery',
    ...(opts.args ?? [])
  ]
  const proc = track(new Proc('worker', spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })))
  const ready = await proc.waitFor(l => l.msg === 'worker ready', 'worker ready')
  const multiaddrs = ready.multiaddrs as string[]
  return Object.assign(proc, { peerId: ready.peerId as string, multiaddr: multiaddrs[0] })
}

export interface GroupPeer extends Proc {
  peerId: string
  multiaddr: string
  /** Its local HTTP API, `http://127.0.0.1:<port>/api`. */
  api: string
  dataDir: string
}

/**
 * A group member on 127.0.0.1 (mDNS off: multicast stays inside the namespace tests), found by
 * the others through `bootstrap`; `dataDir` again restarts the same member.
 */
export async function startGroupPeer (group: string, secretFile: string, opts: { bootstrap?: string[], dataDir?: string, threads?: number, args?: string[], netns?: string, listen?: string } = {}): Promise<GroupPeer> {
  const dataDir = opts.dataDir ?? tempDir('member')
  const args = [
    groupPeerMain,
    '--group', group,
    '--group-secret-file', secretFile,
    // mDNS only inside a network namespace a test made: multicast never leaves it.
    ...(opts.netns === undefined ? ['--no-mdns'] : []),
    ...(opts.bootstrap ?? []).flatMap(b => ['--bootstrap', b]),
    '--data-dir', dataDir,
    '--listen', opts.listen ?? '/ip4/127.0.0.1/tcp/0',
    '--api-port', '0',
    '--threads', String(opts.threads ?? 1),
    '--lease-ttl', '3000',
    '--announce-interval', '500',
    '--max-load', '100',
    '--allow-battery',
    ...(opts.args ?? [])
  ]
  // `ip netns exec` runs node in the namespace in its own place: the pid is node's.
  const child = opts.netns === undefined
    ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('ip', ['netns', 'exec', opts.netns, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const proc = track(new Proc('member', child))
  const ready = await proc.waitFor(l => l.msg === 'peer ready', 'peer ready')
  return Object.assign(proc, { peerId: ready.peerId as string, multiaddr: (ready.multiaddrs as string[])[0], api: ready.api as string, dataDir })
}

const started: Proc[] = []
const dirs: string[] = []

export function track<T extends Proc> (p: T): T {
  started.push(p)
  return p
}

export function tempDir (prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `cycleshare-${prefix}-`))
  dirs.push(d)
  return d
}

/** Kills every process these helpers started and removes their folders; call in afterAll. */
export async function cleanup (): Promise<void> {
  await Promise.all(started.splice(0).map(async p => await p.stop()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
}

export interface HttpAnswer<T = unknown> {
  status: number
  type: string
  body: T
  bytes: Uint8Array
}

export async function http<T = any> (api: string, method: string, path: string, body?: unknown, raw?: string | Uint8Array): Promise<HttpAnswer<T>> {
  const res = await fetch(api + path, {
    method,
    headers: { ...authHeaders(api), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined)
  })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const type = res.headers.get('content-type') ?? ''
  const text = new TextDecoder().decode(bytes)
  return { status: res.status, type, bytes, body: (type.includes('json') ? JSON.parse(text) : text) as T }
}

export type { JobView } from '@cycleshare/client'

/** The typed client of the API at `api` (`http://…/api`), with the token a coordinator started here printed. */
export function client (api: string): CycleshareClient {
  // ws's WebSocket: Node 20 has none of its own, and the event stream needs one.
  return new CycleshareClient({ url: api.replace(/\/api$/, ''), token: tokensByApi.get(api), WebSocket: WebSocket as never })
}

export async function submit (api: string, job: JobRequest): Promise<string> {
  return (await client(api).submit(job)).id
}

/** Polls the job until `until` holds (the HTTP API is the observable state), or fails after `timeoutMs`. */
export async function waitForJob (coordinator: () => string, id: string, until: (j: JobView) => boolean, timeoutMs = 120_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs
  let last: JobView | undefined
  while (Date.now() < deadline) {
    try {
      last = await client(coordinator()).job(id)
    } catch {
      // the coordinator is restarting (unreachable, or not serving yet): keep asking
    }
    if (last !== undefined && until(last)) return last
    if (last !== undefined && ['failed', 'cancelled'].includes(last.status)) throw new Error(`job ${id} ended ${last.status}: ${last.error ?? ''}`)
    await new Promise(r => setTimeout(r, 25))
  }
  throw new Error(`job ${id} did not reach the expected state within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`)
}

export type { WorkerView } from '@cycleshare/client'

/** Polls `GET /api/workers` until the worker's entry satisfies `until`. */
export async function waitForWorker (api: string, peerId: string, until: (w: WorkerView) => boolean, timeoutMs = 60_000): Promise<WorkerView> {
  const deadline = Date.now() + timeoutMs
  let last: WorkerView | undefined
  while (Date.now() < deadline) {
    last = (await client(api).workers()).find(w => w.peerId === peerId)
    if (last !== undefined && until(last)) return last
    await new Promise(r => setTimeout(r, 25))
  }
  throw new Error(`worker ${peerId} did not reach the expected state within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`)
}

/** A small seeded generator (mulberry32), so a chaos schedule can be replayed from its seed. */
export function seededRandom (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** The libp2p TCP port of a multiaddr, to restart a process where its peers expect it. */
export function tcpPort (multiaddr: string): number {
  return Number(/\/tcp\/(\d+)/.exec(multiaddr)![1])
}

export const isDone = (j: JobView): boolean => j.status === 'done'

const cliMain = join(root, 'apps/cli/bin/cycleshare.js')

export interface CliRun { code: number, stdout: string, stderr: string }

/**
 * Runs the researcher's CLI (`cycleshare …`) as a user would, with only the environment given
 * (plus PATH and HOME pointed at an empty config folder), and waits for it to exit.
 */
export async function cycleshare (args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return await runToExit(cliMain, args, { PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: join(tmpdir(), 'cycleshare-no-config'), ...env })
}

/** Runs a `cycleshare-coordinator <command>` (token, backup) to its exit. */
export async function coordinatorCommand (args: string[]): Promise<CliRun> {
  return await runToExit(coordinatorMain, args)
}

/** Runs a `cycleshare-worker <command>` (status, pause, resume) to its exit. */
export async function workerCommand (args: string[]): Promise<CliRun> {
  return await runToExit(workerMain, args)
}

/** Runs a bin with `args` (and `env`, else this process's) until it exits, collecting what it printed. */
async function runToExit (bin: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return await runCommand(process.execPath, [bin, ...args], { env })
}

/** Runs `command` until it exits, collecting what it printed. */
export async function runCommand (command: string, args: string[], opts: { env?: NodeJS.ProcessEnv, cwd?: string } = {}): Promise<CliRun> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number>((resolve) => { child.on('close', c => { resolve(c ?? -1) }) })
  return { code, stdout, stderr }
}
