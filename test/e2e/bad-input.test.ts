import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPeer, type Peer } from '@cycleshare/peer'
import {
  MessageKind, PROTOCOL_COORDINATOR, PROTOCOL_WORKER, TOPIC_PULL, TOPIC_WORK,
  coordinatorRpc, decodeResponse, encode, msg
} from '@cycleshare/protocol'
// The peer lib's own test fixture: a protocol of raw bytes, so a hostile peer can send anything.
import { requestBytes } from '../../libs/peer/src/testing/bytes-rpc.js'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, type Coordinator, type Worker } from './harness.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Asks the coordinator something valid: the proof that it still serves after the garbage. */
async function stillServes (coordinator: Coordinator): Promise<void> {
  const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1000 }, chunks: 4 })
  await waitForJob(() => coordinator.api, id, isDone)
  expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(168)
}

describe('bad input from everywhere', () => {
  let coordinator: Coordinator
  let worker: Worker
  let attacker: Peer

  beforeAll(async () => {
    coordinator = await startCoordinator()
    worker = await startWorker(coordinator.multiaddr)
    attacker = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    await attacker.start()
    await attacker.dial(coordinator.multiaddr)
    await attacker.dial(worker.multiaddr)
  })
  afterAll(async () => {
    await attacker?.stop()
    await cleanup()
  })

  it('HTTP: malformed JSON, wrong types, unknown tasks, bad chunks and unknown ids get clear 4xx answers', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['{"task": "primes",', 400, /JSON|Unexpected|parse/i],
      ['[1,2,3]', 400, /body must be a JSON object/],
      ['{"params": {}, "chunks": 4}', 400, /task/],
      ['{"task": "nope", "params": {}, "chunks": 4}', 400, /nope/],
      ['{"task": "primes", "params": {"from": 0, "to": 1000}, "chunks": 0}', 400, /chunks/],
      ['{"task": "primes", "params": {"from": 0, "to": 1000}, "chunks": 1e12}', 400, /chunks/],
      ['{"task": "primes", "params": {"from": 0, "to": 1000}, "chunks": 2.5}', 400, /chunks/],
      ['{"task": "primes", "params": {"from": 0, "to": "lots"}, "chunks": 4}', 400, /params\.to/],
      ['{"task": "primes", "params": {"from": 10, "to": 5}, "chunks": 4}', 400, /params\.to|params\.from/],
      ['{"task": "primes", "params": {"from": 0, "to": 1000}, "chunks": 4, "extra": 1}', 400, /extra/]
    ]
    for (const [raw, status, message] of cases) {
      const res = await http(coordinator.api, 'POST', '/jobs', undefined, raw)
      expect({ raw, status: res.status }).toEqual({ raw, status })
      expect(String(res.body.message)).toMatch(message)
    }
    const huge = await http(coordinator.api, 'POST', '/jobs', undefined, JSON.stringify({ task: 'primes', params: { pad: 'x'.repeat(2_000_000) }, chunks: 1 }))
    expect(huge.status).toBe(413)
    for (const path of ['/jobs/no-such-job', '/jobs/no-such-job/result']) {
      expect((await http(coordinator.api, 'GET', path)).status).toBe(404)
    }
    expect((await http(coordinator.api, 'DELETE', '/jobs/no-such-job')).status).toBe(404)
    await stillServes(coordinator)
  })

  it('streams: garbage, wrong kinds and oversized frames at the coordinator are refused, and it keeps serving', async () => {
    const garbage = await requestBytes(attacker, coordinator.peerId, PROTOCOL_COORDINATOR, new Uint8Array([0xc1, 0xff, 0x00, 0x13, 0x37]))
    expect(() => decodeResponse(garbage, MessageKind.Reported)).toThrow(/not valid MessagePack/)

    const wrongKind = await requestBytes(attacker, coordinator.peerId, PROTOCOL_COORDINATOR, encode(msg.assign([])))
    expect(() => decodeResponse(wrongKind, MessageKind.Assigned)).toThrow(/assign/)

    const badField = await requestBytes(attacker, coordinator.peerId, PROTOCOL_COORDINATOR, encode({ v: 1, kind: 'renew', leaseIds: [42] } as never))
    expect(() => decodeResponse(badField, MessageKind.Renewed)).toThrow(/leaseIds\[0\]/)

    // A forged result for a lease nobody holds is rejected, not counted.
    const forged = await attacker.call(coordinator.peerId, coordinatorRpc, msg.report([{ leaseId: 'forged', ok: true, output: { count: 1 } }]))
    expect(forged.accepted).toEqual([])
    expect(forged.rejected.map(r => r.leaseId)).toEqual(['forged'])

    await expect(requestBytes(attacker, coordinator.peerId, PROTOCOL_COORDINATOR, new Uint8Array(17 * 1024 * 1024))).rejects.toThrow()

    // Gossip garbage and forged pulls with absurd slot counts are dropped.
    await attacker.publish(TOPIC_PULL, new Uint8Array([1, 2, 3, 4]))
    await attacker.publish(TOPIC_PULL, encode({ v: 1, kind: 'pull', slots: -5, tasks: ['primes'], capacity: { threads: 1 } } as never))
    await attacker.publish(TOPIC_WORK, new Uint8Array(1000).fill(0xc1))

    const renewed = await attacker.call(coordinator.peerId, coordinatorRpc, msg.renew(['nobody']))
    expect(renewed.lost).toEqual(['nobody'])
    expect(coordinator.alive).toBe(true)
    expect(worker.alive).toBe(true)
    await stillServes(coordinator)
  })

  it("streams: a worker refuses requests that are not from its coordinator, garbage and oversized frames, and keeps working", async () => {
    const garbage = await requestBytes(attacker, worker.peerId, PROTOCOL_WORKER, new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    expect(() => decodeResponse(garbage, MessageKind.Assigned)).toThrow(/coordinator/)
    const forgedAssign = await requestBytes(attacker, worker.peerId, PROTOCOL_WORKER, encode(msg.assign([{
      leaseId: 'x', jobId: 'j', index: 0, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 10 }, ttlMs: 1000
    }])))
    expect(() => decodeResponse(forgedAssign, MessageKind.Assigned)).toThrow(/not this worker's coordinator/)
    await expect(requestBytes(attacker, worker.peerId, PROTOCOL_WORKER, new Uint8Array(17 * 1024 * 1024))).rejects.toThrow()
    expect(worker.alive).toBe(true)
    await stillServes(coordinator)
  })

  it('CLI: bad flags are named, with exit code 2', () => {
    // spawnSync blocks this process, timers and test timeouts included: bound each run.
    const run = (bin: string, args: string[]): SpawnSyncReturns<string> =>
      spawnSync(process.execPath, [join(root, bin), ...args], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' })
    const worker = run('apps/worker/bin/cycleshare-worker.js', ['--coordinator', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWAbc', '--threads', 'many'])
    expect(worker.status).toBe(2)
    expect(worker.stderr).toMatch(/--threads must be a number \(got "many"\)/)
    const noCoordinator = run('apps/worker/bin/cycleshare-worker.js', [])
    expect(noCoordinator.status).toBe(2)
    expect(noCoordinator.stderr).toMatch(/--coordinator is required/)
    const coordinator = run('apps/coordinator/bin/cycleshare-coordinator.js', ['--port', '70000'])
    expect(coordinator.status).toBe(2)
    expect(coordinator.stderr).toMatch(/--port must be at most 65535/)
  })
})
