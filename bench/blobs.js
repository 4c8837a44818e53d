// The blobs figure: a 64 MiB blob uploaded to a real coordinator process is needed by 8 peers
// (real libp2p nodes with their own keys, stores and connections, hosted 4 to a process in
// bench/blob-host.js). Each way is measured on a fresh coordinator, alternately: every peer
// fetching the whole blob from the coordinator alone (the same requests, 6 in flight), and the
// peers fetching from each other with the coordinator last (fetchBlob). The figures: the
// coordinator's egress (its own count of piece bytes sent, GET /api/health) and the time until
// every peer holds every piece, each checked against the blob's manifest.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { auth, median, startCluster } from './cluster.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MiB = 1024 * 1024
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d

/** A process hosting `peers` blob peers; `next()` resolves with its next JSON line. */
function host (multiaddr, peers) {
  const child = spawn(process.execPath, [join(root, 'bench/blob-host.js'), multiaddr, String(peers)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = []
  const waiting = []
  createInterface({ input: child.stdout }).on('line', (l) => {
    let line
    try { line = JSON.parse(l) } catch { return }
    if (waiting.length > 0) waiting.shift()(line)
    else lines.push(line)
  })
  const next = () => lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((resolve) => waiting.push(resolve))
  return { child, next, send: (line) => child.stdin.write(line + '\n') }
}

async function upload (api, bytes) {
  const res = await fetch(`${api}/blobs`, { method: 'POST', headers: { ...auth(api), 'content-type': 'application/octet-stream' }, body: bytes })
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`)
  return await res.json()
}

const servedBytes = async (api) => (await (await fetch(`${api}/health`)).json()).blobs.bytesServed

async function once (way, bytes, peers, perHost) {
  const cluster = await startCluster({ workers: [], coordinatorArgs: ['--blob-store-mb', '1024'] })
  const hosts = []
  try {
    const { name } = await upload(cluster.api, bytes)
    for (let i = 0; i < peers; i += perHost) hosts.push(host(cluster.multiaddr, Math.min(perHost, peers - i)))
    for (const h of hosts) if (!(await h.next()).ready) throw new Error('blobs: a peer host did not start')
    const before = await servedBytes(cluster.api)
    const t = performance.now()
    for (const h of hosts) h.send(`${way} ${name}`)
    for (const h of hosts) {
      const answer = await h.next()
      if (answer.done !== true) throw new Error(`blobs (${way}): ${answer.error}`)
    }
    const ms = performance.now() - t
    return { ms: Math.round(ms), egress: (await servedBytes(cluster.api)) - before }
  } finally {
    for (const h of hosts) h.child.kill('SIGTERM')
    await Promise.all(hosts.map(h => new Promise((resolve) => { if (h.child.exitCode !== null) resolve(); else h.child.once('exit', resolve) })))
    await cluster.stop()
  }
}

export async function blobsFigure ({ sizeMb = 64, peers = 8, perHost = 4, runs = 3, log }) {
  const bytes = randomBytes(sizeMb * MiB)
  const results = { naive: [], swarm: [] }
  for (let i = 0; i < runs; i++) {
    for (const way of ['naive', 'swarm']) {
      const r = await once(way, bytes, peers, perHost)
      results[way].push(r)
      log(`  blobs run ${i + 1}, ${way}: ${r.ms} ms, coordinator sent ${round(r.egress / bytes.length)} × the blob`)
    }
  }
  const summary = (rs) => ({ ms: median(rs.map(r => r.ms)), egressBlobs: median(rs.map(r => round(r.egress / bytes.length))), runs: rs })
  return { sizeMb, peers, hosts: Math.ceil(peers / perHost), naive: summary(results.naive), swarm: summary(results.swarm) }
}
