/**
 * The researcher's CLI as a separate process against a real coordinator and worker: submit and
 * follow a job to its exact answer, results to stdout or to a PNG file, listing, cancelling, blobs,
 * where it finds the coordinator and token, and errors that say what is wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, cycleshare, http, startCoordinator, startWorker, tempDir, type Coordinator } from './harness.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const { buildExample } = await import(join(root, 'examples/build.js')) as { buildExample: (name: string) => Promise<string> }

let coordinator: Coordinator
let env: Record<string, string>

beforeAll(async () => {
  coordinator = await startCoordinator()
  await startWorker(coordinator.multiaddr, { threads: 2 })
  env = { CYCLESHARE_COORDINATOR: coordinator.api.replace(/\/api$/, ''), CYCLESHARE_TOKEN: coordinator.token }
})
afterAll(cleanup)

/** A port nothing listens on: one the OS handed out and took back. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

describe('cycleshare, the researcher\'s CLI', () => {
  it('submits a job, follows it to the end and prints its exact result', async () => {
    const run = await cycleshare(['submit', 'primes', '--param', 'from=0', '--param', 'to=1e9', '--chunks', '32', '--watch'], env)
    expect(run.stderr).toMatch(/^submitted job (\S+)\n/)
    expect(run.stderr).toMatch(/job \S+ done: 32\/32 chunks in [0-9.]+ (ms|s)\n$/)
    expect(JSON.parse(run.stdout)).toEqual({ from: 0, to: 1_000_000_000, count: 50_847_534 })
    expect(run.code).toBe(0)
  })

  it('watch --json streams the job as it moves, each view one line, to done', async () => {
    const submitted = await cycleshare(['submit', 'probe', '--params', '{"spinMs": 60}', '--chunks', '40'], env)
    const id = submitted.stdout.trim()
    expect(id).toMatch(/^[A-Za-z0-9_-]{6,64}$/)
    const run = await cycleshare(['watch', id, '--json'], env)
    expect(run.code).toBe(0)
    const views = run.stdout.trim().split('\n').map(l => JSON.parse(l) as { id: string, status: string, progress: { done: number, total: number } })
    expect(views.every(v => v.id === id && v.progress.total === 40)).toBe(true)
    expect(views.at(-1)).toMatchObject({ status: 'done', progress: { done: 40, total: 40 } })
    // Seen while it ran, and only forward.
    expect(views.filter(v => v.progress.done > 0 && v.progress.done < 40).length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < views.length; i++) expect(views[i].progress.done).toBeGreaterThanOrEqual(views[i - 1].progress.done)
    const result = await cycleshare(['result', id], env)
    expect(JSON.parse(result.stdout)).toEqual({ chunks: 40, indexSum: 780 })
  })

  it('writes a binary result to a PNG file, the same bytes the API serves', async () => {
    const dir = tempDir('cli-png')
    const submitted = await cycleshare(['submit', 'mandelbrot', '-p', 'width=320', '-p', 'height=200', '-c', '8'], env)
    expect(submitted.stderr).toBe('')
    const id = submitted.stdout.trim()
    expect((await cycleshare(['watch', id], env)).code).toBe(0)
    const out = join(dir, 'view.png')
    const run = await cycleshare(['result', id, '--out', out], env)
    expect(run.stdout).toBe(`wrote image/png (${readFileSync(out).length} bytes) to ${out}\n`)
    const png = readFileSync(out)
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 200])
    expect(Buffer.from((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).bytes).equals(png)).toBe(true)
  })

  it('lists jobs, workers and tasks, as tables and as JSON', async () => {
    const jobs = await cycleshare(['jobs', '--json'], env)
    const list = JSON.parse(jobs.stdout) as Array<{ task: string, status: string }>
    expect(list.map(j => j.task).slice(0, 3)).toEqual(['mandelbrot', 'probe', 'primes'])
    expect(list.every(j => j.status === 'done')).toBe(true)
    const table = await cycleshare(['jobs', '--limit', '1'], env)
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TASK\s+STATUS\s+CHUNKS\s+SUBMITTED\s+TOOK$/)
    expect(table.stdout.split('\n')[1]).toMatch(/^\S+\s+mandelbrot\s+done\s+8\/8\s/)
    const workers = JSON.parse((await cycleshare(['workers', '--json'], env)).stdout) as Array<{ chunksDone: number, threads: number }>
    expect(workers).toHaveLength(1)
    expect(workers[0]).toMatchObject({ threads: 2, chunksDone: 32 + 40 + 8 })
    const tasks = JSON.parse((await cycleshare(['tasks', '--json'], env)).stdout) as Array<{ name: string }>
    expect(tasks.map(t => t.name)).toEqual(['primes', 'pi', 'mandelbrot', 'probe', 'wordcount'])
  })

  it('cancels a running job; watching it then exits 1 saying so', async () => {
    const id = (await cycleshare(['submit', 'probe', '--params', '{"hangAt": [0]}', '--chunks', '2'], env)).stdout.trim()
    const cancel = await cycleshare(['cancel', id, '--json'], env)
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id, status: 'cancelled' })
    const watch = await cycleshare(['watch', id], env)
    expect(watch.code).toBe(1)
    expect(watch.stderr).toMatch(new RegExp(`job ${id} cancelled in [0-9.]+ (ms|s): [0-9]/2 chunks`))
  })

  it('uploads a file as a blob and downloads the same bytes', async () => {
    const dir = tempDir('cli-blob')
    const bytes = Buffer.alloc(1_500_000)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251
    writeFileSync(join(dir, 'in.bin'), bytes)
    const up = await cycleshare(['blobs', 'upload', join(dir, 'in.bin')], env)
    const name = up.stdout.trim()
    expect(name).toMatch(/^bafkrei[a-z2-7]{52}$/)
    expect(JSON.parse((await cycleshare(['blobs', '--json'], env)).stdout)).toContainEqual(expect.objectContaining({ name, size: 1_500_000, complete: true }))
    const down = await cycleshare(['blobs', 'download', name, '--out', join(dir, 'out.bin')], env)
    expect(down.code).toBe(0)
    expect(readFileSync(join(dir, 'out.bin')).equals(bytes)).toBe(true)
  })

  it('registers a WebAssembly task from its files and runs a job of it', async () => {
    const module = await buildExample('sieve')
    const manifest = join(root, 'examples/sieve/manifest.json')
    const first = await cycleshare(['tasks', 'register', manifest, module], env)
    expect(first.stdout).toMatch(new RegExp(`^registered sieve@1\\.0\\.0: module bafkrei[a-z2-7]{52}, signed by ${coordinator.peerId}\n$`))
    const again = await cycleshare(['tasks', 'register', manifest, module], env)
    expect(again.stdout).toMatch(/^already registered \(same code\) sieve@1\.0\.0: /)
    const listed = await cycleshare(['tasks'], env)
    expect(listed.stdout).toMatch(/\nsieve@1\.0\.0\s+wasm\s+application\/json\s+Counts the primes/)
    const run = await cycleshare(['submit', 'sieve@1.0.0', '-p', 'to=1e8', '-c', '8', '--watch'], env)
    expect(JSON.parse(run.stdout)).toBe(5_761_455) // a sum-combined task's result is the sum itself
    const missing = await cycleshare(['tasks', 'register', join(root, 'no-such.json'), module], env)
    expect([missing.code, missing.stderr]).toEqual([2, `cycleshare: the manifest file ${join(root, 'no-such.json')} cannot be read: ENOENT: no such file or directory, open '${join(root, 'no-such.json')}'\n`])
  })

  it('finds the coordinator and token in a config file when no flag or variable names them', async () => {
    const dir = tempDir('cli-config')
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ coordinator: env.CYCLESHARE_COORDINATOR, token: coordinator.token }))
    const run = await cycleshare(['submit', 'pi', '-p', 'samples=1000000', '-c', '4', '--watch', '--json', '--config', config])
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(JSON.parse(lines.at(-2) ?? '')).toMatchObject({ status: 'done' })
    expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ samples: 1_000_000 })
    const shown = JSON.parse((await cycleshare(['config', '--json'], { XDG_CONFIG_HOME: dir, CYCLESHARE_CONFIG: config })).stdout)
    expect(shown).toMatchObject({ coordinator: env.CYCLESHARE_COORDINATOR, coordinatorFrom: `config file ${config}`, tokenFrom: `config file ${config}` })
    expect(shown.token).not.toContain(coordinator.token.slice(4, -4))
  })

  it('says what is wrong: no token, a wrong token, nothing listening, a bad flag, an unknown job', async () => {
    const noToken = await cycleshare(['submit', 'primes', '-p', 'to=100', '-c', '1'], { CYCLESHARE_COORDINATOR: env.CYCLESHARE_COORDINATOR })
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toMatch(/^cycleshare: POST \/api\/jobs needs an API token.*\(no token was given: give one with --token, CYCLESHARE_TOKEN or the config file\)\n$/)
    const wrong = await cycleshare(['cancel', 'x', '--token', 'cs_wrong'], { CYCLESHARE_COORDINATOR: env.CYCLESHARE_COORDINATOR })
    expect(wrong.stderr).toContain('the token from the --token flag was refused')
    const port = await closedPort()
    const down = await cycleshare(['jobs', '--coordinator', `http://127.0.0.1:${port}`])
    expect(down.code).toBe(1)
    expect(down.stderr).toBe(`cycleshare: cannot reach http://127.0.0.1:${port}: ECONNREFUSED: is the coordinator running there? (the address came from the --coordinator flag; set it with --coordinator, CYCLESHARE_COORDINATOR or the config file)\n`)
    const flag = await cycleshare(['submit', 'primes', '-p', 'to=100'], env)
    expect([flag.code, flag.stderr]).toEqual([2, 'cycleshare: --chunks is required: how many chunks to split the job into\n'])
    const field = await cycleshare(['submit', 'primes', '-p', 'to=100', '-c', '1', '--replication', '11'], env)
    expect([field.code, field.stderr]).toEqual([1, 'cycleshare: replication must be an integer from 1 to 10 or "adaptive" (HTTP 400 InvalidJobError)\n'])
    const unknown = await cycleshare(['result', 'no-such-job'], env)
    expect([unknown.code, unknown.stderr]).toEqual([1, 'cycleshare: job "no-such-job" not found (HTTP 404 JobNotFoundError)\n'])
    const typo = await cycleshare(['sumbit'], env)
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("unknown command 'sumbit'")
    expect(typo.stderr).toContain('Did you mean submit?')
  })
})
