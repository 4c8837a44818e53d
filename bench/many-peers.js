// The many-peers figure: one coordinator process and PEERS worker peers (real libp2p nodes, each
// with its own key, connection and worker runtime), hosted PER_HOST to a process and sharing one
// task thread per process. A `primes` job of many small chunks runs over all of them; the answer
// is checked against a plain count, every chunk is reduced once (progress = chunks), and the
// coordinator's RSS and CPU time are read from /proc before, while connected, and over the job.
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { cpuMs, inFreshProcess, rssMb, runJob, startCluster } from './cluster.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')

/** RSS (MB) and CPU time used so far (ms) of `pid`. */
const usage = (pid) => ({ rssMb: rssMb(pid), cpuMs: cpuMs(pid) })

function host (multiaddr, peers) {
  const child = spawn(process.execPath, [join(root, 'bench/peer-host.js'), multiaddr, String(peers)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const ready = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => { try { resolve(JSON.parse(l)) } catch {} })
    child.once('exit', (code) => reject(new Error(`peer host exited ${code} before its peers were connected`)))
  })
  return { child, ready }
}

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d

export async function manyPeersFigure ({ peers = 200, perHost = 50, chunks = 4_000, to = 400_000_000, log }) {
  const expected = inFreshProcess(`import { countPrimes } from '@cycleshare/tasks'; console.log(JSON.stringify(countPrimes(0, ${to})))`)
  const cluster = await startCluster({ workers: [] })
  const hosts = []
  try {
    const pid = cluster.coordinatorPid
    const idle = usage(pid)
    const t0 = Date.now()
    for (let i = 0; i < peers; i += perHost) hosts.push(host(cluster.multiaddr, Math.min(perHost, peers - i)))
    const hosted = await Promise.all(hosts.map(h => h.ready))
    const connectMs = Date.now() - t0
    const workers = await (await fetch(`${cluster.api}/workers`)).json()
    const connected = usage(pid)
    const dispatch = async () => (await (await fetch(`${cluster.api}/health`)).json()).dispatch
    const before = await dispatch()
    const { ms, result, view } = await runJob(cluster.api, { task: 'primes', params: { from: 0, to }, chunks })
    const after = usage(pid)
    const during = await dispatch()
    if (result.count !== expected) throw new Error(`many peers: ${result.count} primes, expected ${expected}`)
    if (view.progress.done !== chunks) throw new Error(`many peers: progress ${JSON.stringify(view.progress)}`)
    const listed = await (await fetch(`${cluster.api}/workers`)).json()
    const working = listed.filter(w => w.chunksDone > 0).length
    const done = listed.reduce((n, w) => n + w.chunksDone, 0)
    const out = {
      peers,
      hosts: hosted.length,
      connectMs,
      workersListed: workers.length,
      peersThatRan: working,
      chunks,
      chunksCounted: done,
      jobMs: ms,
      chunksPerSec: round(chunks / (ms / 1000), 0),
      // What the workers asked over the job, and what answered it: per second of the job.
      pullsPerSec: round((during.pulls - before.pulls) / (ms / 1000), 0),
      emptyPullShare: round((during.emptyPulls - before.emptyPulls) / Math.max(1, during.pulls - before.pulls), 2),
      assignsPerSec: round((during.assigns - before.assigns) / (ms / 1000), 0),
      leasesPerAssign: round((during.leases - before.leases) / Math.max(1, during.assigns - before.assigns), 1),
      coordinator: {
        idleRssMb: round(idle.rssMb),
        connectedRssMb: round(connected.rssMb),
        rssPerPeerKb: round((connected.rssMb - idle.rssMb) * 1024 / peers, 0),
        cpuWhileConnectingMs: round(connected.cpuMs - idle.cpuMs, 0),
        cpuOverJobMs: round(after.cpuMs - connected.cpuMs, 0),
        cpuShareOverJob: round((after.cpuMs - connected.cpuMs) / ms, 2)
      },
      hostRssMb: hosted.map(h => h.rssMb)
    }
    log(`  ${peers} peers connected in ${connectMs} ms; job of ${chunks} chunks in ${ms} ms (${out.chunksPerSec}/s), ${working} peers ran chunks, ${done} counted; ${out.pullsPerSec} pulls/s (${Math.round(out.emptyPullShare * 100)}% found nothing), ${out.assignsPerSec} assigns/s of ${out.leasesPerAssign} leases; coordinator RSS ${out.coordinator.idleRssMb} → ${out.coordinator.connectedRssMb} MB (${out.coordinator.rssPerPeerKb} KB a peer), CPU ${out.coordinator.cpuOverJobMs} ms over the job`)
    return out
  } finally {
    for (const h of hosts) h.child.kill('SIGKILL')
    await cluster.stop()
  }
}
