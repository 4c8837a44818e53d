/**
 * A peer group on a LAN with no bootstrap list at all: members find each other by mDNS. Multicast
 * runs only inside network namespaces this test makes (netns.ts), never on this machine's own
 * interfaces; the test needs root and iproute2, which `.ci/run` has.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, startGroupPeer, tempDir, type GroupPeer } from './harness.js'
import { createLan, fetchIn, type Lan } from './netns.js'

let lan: Lan | undefined
afterEach(async () => {
  await cleanup()
  lan?.remove()
  lan = undefined
})

function secretFile (secret: string): string {
  const file = join(tempDir('secret'), 'group.secret')
  writeFileSync(file, secret + '\n')
  return file
}

/** Polls `test` on a member's local API (from inside its namespace) every 100 ms, up to `timeoutMs`. */
async function until<T> (member: GroupPeer, ns: string, path: string, test: (body: any) => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    last = fetchIn(ns, member.api + path).body
    const found = test(last)
    if (found !== undefined && found !== false) return found
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`${path} did not reach the expected state within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`)
}

describe('a peer group on a LAN', () => {
  it('finds its members by mDNS alone; one submits and all three work on it, exactly; a host with another secret stays out', async () => {
    lan = createLan(4)
    const { hosts } = lan
    const secret = secretFile('the lab\'s secret, long enough')
    const members = await Promise.all([0, 1, 2].map(async (i) => await startGroupPeer('lab', secret, { netns: hosts[i], listen: `/ip4/${lan!.address(i)}/tcp/0` })))
    const outsider = await startGroupPeer('lab', secretFile('a neighbour\'s secret, long too'), { netns: hosts[3], listen: `/ip4/${lan.address(3)}/tcp/0` })

    for (const [i, m] of members.entries()) {
      await until(m, hosts[i], '/health', (h: { members: string[] }) => members.every(o => o === m || h.members.includes(o.peerId)))
    }
    const submitter = members[1]
    const { status, body } = fetchIn(hosts[1], `${submitter.api}/jobs`, { body: { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 96 } })
    expect(status).toBe(201)
    await until(submitter, hosts[1], `/jobs/${body.id}`, (j: { status: string }) => j.status === 'done')
    expect(fetchIn(hosts[1], `${submitter.api}/jobs/${body.id}/result`).body.result.count).toBe(50_847_534)
    const workers = fetchIn(hosts[1], `${submitter.api}/workers`).body as Array<{ peerId: string, chunksDone: number }>
    for (const m of members) expect(workers.find(w => w.peerId === m.peerId)?.chunksDone).toBeGreaterThan(0)
    expect(workers.map(w => w.peerId)).not.toContain(outsider.peerId)
    // The neighbour heard the same mDNS, and could connect to no one.
    expect(fetchIn(hosts[3], `${outsider.api}/health`).body.members).toEqual([])
  })
})
