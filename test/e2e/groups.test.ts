/**
 * Peer groups with no coordinator: members on 127.0.0.1 find each other by bootstrap lists (the
 * mDNS tests run inside network namespaces of their own), any member submits to its own peer and
 * is that job's accumulation point, and every member, itself included, works on it.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPeer } from '@cycleshare/peer'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startGroupPeer, submit, tempDir, waitForJob, type GroupPeer, type JobView } from './harness.js'

afterEach(cleanup)

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

const PI_1E9 = 50_847_534
const PI_5E8 = 26_355_867
const PI_2E9 = 98_222_287
const PI_6E9 = 279_545_368

function secretFile (secret = 'a group secret of more than sixteen bytes'): string {
  const file = join(tempDir('secret'), 'group.secret')
  writeFileSync(file, secret + '\n')
  return file
}

interface MemberView { peerId: string, chunksDone: number, state: string }

/** Polls a member's health until it is connected to all of `others`. */
async function waitForMembers (member: GroupPeer, others: GroupPeer[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const { members } = (await http<{ members: string[] }>(member.api, 'GET', '/health')).body
    if (others.every(o => members.includes(o.peerId))) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`${member.peerId} did not connect to every other member within ${timeoutMs} ms`)
}

/** Three members of group `lab`: the first, and two that bootstrap from it; all connected to each other. */
async function threeMembers (secret = secretFile(), { debug = false } = {}): Promise<GroupPeer[]> {
  const args = debug ? ['--log-level', 'debug'] : []
  const first = await startGroupPeer('lab', secret, { args })
  const rest = await Promise.all([0, 1].map(async () => await startGroupPeer('lab', secret, { bootstrap: [first.multiaddr], args })))
  const members = [first, ...rest]
  for (const m of members) await waitForMembers(m, members.filter(o => o !== m))
  return members
}

const result = async (api: string, id: string): Promise<any> => (await http(api, 'GET', `/jobs/${id}/result`)).body.result

describe('a peer group', () => {
  it('three members and no coordinator: one submits, gets the exact answer, and all three did work', async () => {
    const members = await threeMembers()
    const [submitter] = members
    const started = Date.now()
    const id = await submit(submitter.api, { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 96 })
    await waitForJob(() => submitter.api, id, isDone)
    console.log(`groups: π(10^9) over three members in ${Date.now() - started} ms`)
    expect((await result(submitter.api, id)).count).toBe(PI_1E9)
    const workers = (await http<MemberView[]>(submitter.api, 'GET', '/workers')).body
    for (const m of members) expect(workers.find(w => w.peerId === m.peerId)?.chunksDone, `chunks done by ${m === submitter ? 'the submitter' : 'a member'}`).toBeGreaterThan(0)
    expect(workers.reduce((sum, w) => sum + w.chunksDone, 0)).toBe(96)
  })

  it('two members submit at once (one job replicated), and both jobs finish exactly', async () => {
    const [a, b] = await threeMembers()
    const [ja, jb] = await Promise.all([
      submit(a.api, { task: 'primes', params: { from: 0, to: 500_000_000 }, chunks: 40 }),
      // With two copies of each chunk on two different members, agreeing, as with a coordinator.
      submit(b.api, { task: 'primes', params: { from: 500_000_000, to: 1_000_000_000 }, chunks: 40, replication: 2 })
    ])
    await Promise.all([waitForJob(() => a.api, ja, isDone), waitForJob(() => b.api, jb, isDone)])
    expect((await result(a.api, ja)).count).toBe(PI_5E8)
    expect((await result(b.api, jb)).count).toBe(PI_1E9 - PI_5E8)
    // Both copies of each of its 40 chunks counted, none outvoted.
    const votes = (await http<Array<MemberView & { invalid: number }>>(b.api, 'GET', '/workers')).body
    expect(votes.reduce((sum, w) => sum + w.chunksDone, 0)).toBe(80)
    expect(votes.every(w => w.invalid === 0)).toBe(true)
    // Each job is its submitter's alone: the other knows nothing of it.
    expect((await http(b.api, 'GET', `/jobs/${ja}`)).status).toBe(404)
    // The local API names what is wrong, as the coordinator's does.
    expect(await http(a.api, 'POST', '/jobs', { task: 'primes', params: { from: 0, to: 10 }, chunks: 64 })).toMatchObject({
      status: 400, body: { error: 'InvalidJobError', message: 'chunks must be at most 10 (one per number in the range), got 64' }
    })
    expect(await http(a.api, 'POST', '/jobs', undefined, '{"task":')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^the body is not valid JSON/) } })
    // Cancelling a finished job answers it as it is; DELETE removes it, as on a coordinator.
    expect(await http(a.api, 'POST', `/jobs/${ja}/cancel`)).toMatchObject({ status: 200, body: { id: ja, status: 'done' } })
    expect((await http(a.api, 'DELETE', `/jobs/${ja}`)).status).toBe(204)
    expect((await http(a.api, 'GET', `/jobs/${ja}`)).status).toBe(404)
    expect((await http(a.api, 'GET', '/nowhere')).status).toBe(404)
    // A failed attempt is logged with its worker, as on a coordinator.
    const failing = await submit(a.api, { task: 'probe', params: { failAt: [1] }, chunks: 3, maxAttempts: 1 })
    await waitForJob(() => a.api, failing, j => j.status === 'failed')
    const failures = (await http<Array<{ jobId: string, index: number, worker: string, error: string }>>(a.api, 'GET', `/jobs/${failing}/failures`)).body
    expect(failures).toEqual([expect.objectContaining({ jobId: failing, index: 1, attempt: 1, error: 'ProbeFailureError: probe chunk 1 failed as asked (params.failAt)' })])
    expect((await http(a.api, 'GET', '/failures?limit=1')).body).toEqual(failures)
    expect((await http(a.api, 'GET', '/failures?limit=0')).status).toBe(400)
  })

  it('a peer without the secret cannot connect, and so neither pulls nor sees any work', async () => {
    const members = await threeMembers()
    const [submitter] = members
    // A libp2p peer outside the private network: the handshake fails.
    const stranger = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    await stranger.start()
    try {
      await expect(stranger.dial(submitter.multiaddr)).rejects.toThrow()
    } finally {
      await stranger.stop()
    }
    // A member of the same group name with another secret, told where the group is.
    const outsider = await startGroupPeer('lab', secretFile('another secret, also long enough'), { bootstrap: [submitter.multiaddr] })
    const id = await submit(submitter.api, { task: 'primes', params: { from: 0, to: 500_000_000 }, chunks: 40 })
    await waitForJob(() => submitter.api, id, isDone)
    expect((await result(submitter.api, id)).count).toBe(PI_5E8)
    const workers = (await http<MemberView[]>(submitter.api, 'GET', '/workers')).body
    expect(workers.map(w => w.peerId)).not.toContain(outsider.peerId)
    expect((await http<{ members: string[] }>(outsider.api, 'GET', '/health')).body.members).toEqual([])
    expect((await http<{ members: string[] }>(submitter.api, 'GET', '/health')).body.members).not.toContain(outsider.peerId)
    expect(outsider.lines.some(l => l.msg === 'working for an accumulation point')).toBe(false)
  })

  it('the submitter killed with kill -9 mid-job comes back on its data directory and finishes exactly', async () => {
    const [submitter, ...others] = await threeMembers()
    const id = await submit(submitter.api, { task: 'primes', params: { from: 0, to: 2_000_000_000 }, chunks: 64 })
    await waitForJob(() => submitter.api, id, (j: JobView) => j.progress.done >= 8)
    await submitter.kill9()
    const back = await startGroupPeer('lab', secretOf(submitter), { dataDir: submitter.dataDir, bootstrap: [others[0].multiaddr] })
    expect(back.peerId).toBe(submitter.peerId)
    const done = await waitForJob(() => back.api, id, isDone)
    expect(done.progress).toEqual({ done: 64, total: 64 })
    expect((await result(back.api, id)).count).toBe(PI_2E9)
  })
})

describe('custom code in a group', () => {
  it('a member registers a WebAssembly task, signed with its key, and every member runs it', async () => {
    const { buildExample } = await import(join(root, 'examples/build.js')) as { buildExample: (name: string) => Promise<string> }
    const module = readFileSync(await buildExample('sieve'))
    const members = await threeMembers()
    const [submitter] = members
    const upload = await fetch(`${submitter.api}/blobs`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: module })
    expect(upload.status).toBe(201)
    const { name } = await upload.json()
    const manifest = JSON.parse(readFileSync(join(root, 'examples/sieve/manifest.json'), 'utf8'))
    expect(await http(submitter.api, 'POST', '/tasks', { manifest, module: name })).toMatchObject({ status: 201, body: { name: 'sieve@1.0.0', signer: submitter.peerId } })
    const id = await submit(submitter.api, { task: 'sieve@1.0.0', params: { to: 2_000_000_000 }, chunks: 48 })
    await waitForJob(() => submitter.api, id, isDone)
    expect(await result(submitter.api, id)).toBe(PI_2E9)
    const workers = (await http<MemberView[]>(submitter.api, 'GET', '/workers')).body
    for (const m of members) expect(workers.find(w => w.peerId === m.peerId)?.chunksDone).toBeGreaterThan(0)
    for (const m of members) expect(m.lines.some(l => l.msg === 'custom task verified' && l.signer === submitter.peerId)).toBe(true)
  })
})

describe('a member that leaves', () => {
  it('hands over the chunks it holds mid-run, and the job still finishes exactly', async () => {
    const [submitter, , leaver] = await threeMembers(secretFile(), { debug: true })
    // Six long chunks (about a second each) for three one-thread members.
    const id = await submit(submitter.api, { task: 'primes', params: { from: 0, to: 6_000_000_000 }, chunks: 6 })
    // It has taken chunks of the job (its `assigned` debug line): they run, or wait their turn.
    await leaver.waitFor(l => l.msg === 'assigned' && l.from === submitter.peerId && (l.accepted as number) > 0, 'chunks taken')
    leaver.child.kill('SIGTERM')
    const stopped = await leaver.waitFor(l => l.msg === 'worker stopped', 'worker stopped')
    expect((stopped.handedOff as number) + (stopped.released as number)).toBeGreaterThanOrEqual(1)
    expect(await leaver.exited).toBe(0)
    await waitForJob(() => submitter.api, id, isDone)
    expect((await result(submitter.api, id)).count).toBe(PI_6E9)
  })
})

/** The secret file a member was started with (its command line names it). */
function secretOf (member: GroupPeer): string {
  const args = member.child.spawnargs
  return args[args.indexOf('--group-secret-file') + 1]
}
