/**
 * The HTTP side against hostile input: every body and path below gets a 4xx whose message names
 * what is wrong (never a 500), nothing accepted before is lost, the API listens on 127.0.0.1 only
 * unless told otherwise, CORS is off unless configured, and the event stream shrugs off garbage.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { authHeaders, cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, type Coordinator } from './harness.js'

let coordinator: Coordinator

beforeAll(async () => {
  coordinator = await startCoordinator()
  await startWorker(coordinator.multiaddr)
})
afterAll(cleanup)

const nested = (depth: number, open: string, close: string, inner: string): string => open.repeat(depth) + inner + close.repeat(depth)
const blobLike = `bafkrei${'a'.repeat(52)}`

/** [method, path, raw JSON body or undefined, status, message pattern] */
const hostile: Array<[string, string, string | undefined, number, RegExp]> = [
  // deep nesting
  ['POST', '/jobs', `{"task":"primes","params":{"a":${nested(100_000, '[', ']', '1')}},"chunks":1}`, 400, /^params\.a is not a known field \(expected from, to\)$/],
  ['POST', '/jobs', `{"task":"primes","params":${nested(5_000, '{"a":', '}', '1')},"chunks":1}`, 400, /^params\.a is not a known field/],
  ['POST', '/tasks', `{"manifest":${nested(3_000, '{"a":', '}', '1')},"module":"${blobLike}"}`, 404, /^module names no blob held here/],
  // huge numbers and NaN
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":1e400},"chunks":1}', 400, /^params\.to must be an integer$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunks":1e400}', 400, /^chunks must be a number$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunks":99999999999999999999}', 400, /^chunks must be an integer$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunks":1,"priority":1e308}', 400, /^priority must be an integer$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunks":NaN}', 400, /not valid JSON/],
  ['POST', '/jobs', '{"task":"mandelbrot","params":{"width":1e9,"height":1e9},"chunks":1}', 400, /^params\.width must be between 1 and 4096, got 1000000000$/],
  ['POST', '/jobs', '{"task":"probe","params":{"failAt":[1e300]},"chunks":2}', 400, /^params\.failAt\[0\] must be between 0 and 1/],
  // unicode
  ['POST', '/jobs', '{"task":"prímes\\u0000\\ud800","params":{},"chunks":1}', 400, /^unknown task "prímes\\u0000\\ud800"/],
  ['POST', '/jobs', `{"task":"${'é'.repeat(65)}","params":{},"chunks":1}`, 400, /^task must be at most 64 characters$/],
  // wrong types
  ['POST', '/jobs', '{"task":["primes"],"params":{},"chunks":1}', 400, /^task must be a string naming a task/],
  ['POST', '/jobs', '{"task":"primes","params":[],"chunks":1}', 400, /^params must be an object$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":"0","to":100},"chunks":1}', 400, /^params\.from must be an integer$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunks":"4"}', 400, /^chunks must be a number$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunk":4}', 400, /^unknown field "chunk" \(did you mean "chunks"\?\)$/],
  ['POST', '/jobs', '{"task":"primes","params":{"from":0,"to":100},"chunks":1,"replication":true}', 400, /^replication must be an integer or "adaptive"$/],
  ['POST', '/jobs', '"just a string"', 400, /not valid JSON/],
  ['POST', '/jobs', 'null', 400, /not valid JSON/],
  ['POST', '/tasks', '{"manifest":{},"module":5}', 400, /^module must be the name of a blob uploaded with POST \/api\/blobs/],
  // prototype keys
  ['POST', '/jobs', '{"__proto__":{"admin":true},"task":"primes","params":{},"chunks":1}', 400, /^unknown field "__proto__"$/],
  ['POST', '/jobs', '{"task":"primes","params":{"__proto__":{"x":1},"from":0,"to":100},"chunks":1}', 400, /^params\.__proto__ is not a known field/],
  ['POST', '/jobs', '{"task":"primes","params":{"constructor":{"prototype":{"x":1}}},"chunks":1}', 400, /^params\.constructor is not a known field/],
  ['GET', '/jobs?__proto__=1', undefined, 400, /^unknown query parameter "__proto__"$/],
  // traversal and odd ids
  ['POST', '/jobs', '{"task":"wordcount","params":{"blob":"../../etc/passwd"},"chunks":1}', 400, /^params\.blob must be a blob name/],
  ['POST', '/tasks', '{"manifest":{},"module":"../../x"}', 400, /^module must be a blob name .*got "\.\.\/\.\.\/x"$/],
  ['GET', '/jobs/..%2F..%2Fetc%2Fpasswd', undefined, 400, /^job id must be 1 to 64 letters, digits, "_" or "-" \(got "\.\.\/\.\.\/etc\/passwd"\)$/],
  ['DELETE', '/jobs/..%2Fx', undefined, 400, /^job id must be/],
  ['GET', '/jobs/%F0%9F%98%80/result', undefined, 400, /^job id must be .*\(got "😀"\)$/],
  ['GET', `/jobs/${'x'.repeat(5000)}`, undefined, 400, /^job id must be .*…"\)$/],
  ['GET', '/blobs/..%2F..%2Fetc%2Fpasswd', undefined, 400, /^blob name must be a blob name .*got "\.\.\/\.\.\/etc\/passwd"$/],
  ['GET', `/blobs/${blobLike}`, undefined, 404, /^no blob bafkrei.* is held$/],
  ['GET', '/jobs?limit=1e400', undefined, 400, /^limit must be an integer from 1 to 500$/],
  ['GET', '/jobs?limit=1&limit=2', undefined, 400, /^limit must be an integer from 1 to 500$/],
  ['GET', '/jobs?before=%00', undefined, 404, /^job "\\u0000" not found$/]
]

describe('the HTTP API against hostile input', () => {
  it('answers each hostile request with a 4xx naming what is wrong, and loses nothing accepted before', async () => {
    const before = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1_000_000 }, chunks: 4 })
    for (const [method, path, raw, status, message] of hostile) {
      const res = await http(coordinator.api, method, path, undefined, raw)
      expect({ method, path: path.slice(0, 60), raw: raw?.slice(0, 60), status: res.status }).toEqual({ method, path: path.slice(0, 60), raw: raw?.slice(0, 60), status })
      expect(res.body.message, `${method} ${path.slice(0, 60)}`).toMatch(message)
    }
    // A body that is not JSON is never read as one: the answer names the type to send.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await fetch(`${coordinator.api}/jobs`, { method: 'POST', headers: { ...authHeaders(coordinator.api), ...(type === undefined ? {} : { 'content-type': type }) }, body: type === undefined ? undefined : 'task=primes&chunks=4' })
      expect({ type, status: res.status }).toEqual({ type, status: 415 })
      expect(((await res.json()) as { message: string }).message).toBe(`send the job as JSON, with content-type application/json (got ${type ?? 'none'})`)
    }
    expect(coordinator.lines.some(l => l.msg === 'unhandled error in HTTP handler')).toBe(false)
    await waitForJob(() => coordinator.api, before, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${before}/result`)).body.result.count).toBe(78_498)
  })

  it('listens on 127.0.0.1 only unless told otherwise', () => {
    expect(coordinator.api).toBe(`http://127.0.0.1:${coordinator.httpPort}/api`)
    // /proc/net/tcp lists listening sockets (state 0A) with their local address in hex: 0100007F is 127.0.0.1.
    const listening = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map(l => l.trim().split(/\s+/)).filter(f => f[3] === '0A')
    const ours = listening.filter(f => Number.parseInt(f[1].split(':')[1], 16) === coordinator.httpPort).map(f => f[1].split(':')[0])
    expect(ours).toEqual(['0100007F'])
  })

  it('sends no CORS headers unless origins are configured, and then only to them', async () => {
    const ask = async (api: string, origin: string): Promise<Headers> => (await fetch(`${api}/jobs`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
    })).headers
    expect((await ask(coordinator.api, 'https://evil.example')).get('access-control-allow-origin')).toBeNull()
    const open = await startCoordinator({ args: ['--cors', 'https://lab.example.org'] })
    expect((await ask(open.api, 'https://lab.example.org')).get('access-control-allow-origin')).toBe('https://lab.example.org')
    expect((await ask(open.api, 'https://evil.example')).get('access-control-allow-origin')).toBeNull()
  })

  it('the event stream drops a client that sends garbage or too much, and keeps serving the others', async () => {
    const url = coordinator.api.replace(/^http/, 'ws') + '/events'
    const listener = new WebSocket(url)
    const frames: string[] = []
    let heard: (frame: string) => void = () => {}
    listener.on('message', (d: Buffer) => { frames.push(d.toString()); heard(d.toString()) })
    await new Promise(resolve => listener.once('open', resolve))
    const hostileClient = new WebSocket(url)
    await new Promise(resolve => hostileClient.once('open', resolve))
    const closed = new Promise<number>(resolve => hostileClient.once('close', code => { resolve(code) }))
    hostileClient.send('not json')
    hostileClient.send('{"event":"job","data":{"id":"x"}}')
    hostileClient.send(Buffer.alloc(64 * 1024))
    expect(await closed).toBe(1009) // message too big
    const done = new Promise<void>((resolve) => {
      heard = (f) => { if (f.includes('"status":"done"') && f.includes('"task":"primes"')) resolve() }
    })
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1000 }, chunks: 2 })
    await done
    expect(frames.some(f => f.includes(`"id":"${id}"`) && f.includes('"status":"done"'))).toBe(true)
    listener.close()
  })
})
