// A peer group's job on three members beside the same job on one member alone: wall time from
// submit to the job's end, as the submitting member records it. Members are real processes on
// 127.0.0.1 with one thread each, found by a bootstrap list (mDNS stays off outside namespaces).
//   node bench/run.js --only groups
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { median } from './cluster.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function member (args, children, dirs) {
  const dir = mkdtempSync(join(tmpdir(), 'cycleshare-bench-member-'))
  dirs.push(dir)
  const child = spawn(process.execPath, [join(root, 'apps/group-peer/bin/cycleshare-peer.js'), '--group', 'bench', '--no-mdns', '--data-dir', dir,
    '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--threads', '1', '--max-load', '100', '--allow-battery', ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      try { const j = JSON.parse(l); if (j.msg === 'peer ready') resolve(j) } catch {}
    })
    child.once('exit', (code) => reject(new Error(`a member exited ${code} before it was ready`)))
  })
}

async function untilMembers (api, count) {
  for (let i = 0; i < 600; i++) { // 30 s at most
    const { members } = await (await fetch(`${api}/health`)).json()
    if (members.length >= count) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`the members did not all connect within 30 s`)
}

async function runOn (memberCount, job) {
  const children = []
  const dirs = []
  try {
    const secret = join(mkdtempSync(join(tmpdir(), 'cycleshare-bench-secret-')), 'group.secret')
    dirs.push(dirname(secret))
    writeFileSync(secret, 'a bench group secret, long enough\n')
    const first = await member(['--group-secret-file', secret], children, dirs)
    await Promise.all(Array.from({ length: memberCount - 1 }, () => member(['--group-secret-file', secret, '--bootstrap', first.multiaddrs[0]], children, dirs)))
    await untilMembers(first.api, memberCount - 1)
    const res = await fetch(`${first.api}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(job) })
    const { id } = await res.json()
    for (let i = 0; i < 6_000; i++) { // 5 minutes at most
      const view = await (await fetch(`${first.api}/jobs/${id}`)).json()
      if (view.status === 'done') {
        const { result } = await (await fetch(`${first.api}/jobs/${id}/result`)).json()
        return { ms: Date.parse(view.finishedAt) - Date.parse(view.createdAt), count: result.count }
      }
      if (view.status === 'failed') throw new Error(`the job failed: ${view.error}`)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    throw new Error('the job did not finish within 5 minutes')
  } finally {
    for (const c of children) { c.removeAllListeners('exit'); c.kill('SIGKILL') }
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

export async function groupsFigure ({ log, runs = 3, to = 10_000_000_000, chunks = 192 }) {
  const job = { task: 'primes', params: { from: 0, to }, chunks }
  const three = []
  const one = []
  let count
  for (let i = 0; i < runs; i++) {
    // Alternated, so that a slow patch of the machine does not land on one side only.
    for (const members of i % 2 === 0 ? [3, 1] : [1, 3]) {
      const run = await runOn(members, job)
      if (count !== undefined && run.count !== count) throw new Error(`groups: ${members} member(s) answered ${run.count}, others ${count}`)
      count = run.count
      ;(members === 3 ? three : one).push(run.ms)
    }
    log(`  groups run ${i + 1}: three members ${three.at(-1)} ms, one member alone ${one.at(-1)} ms`)
  }
  return { job, count, threeMembersMs: { median: median(three), runs: three }, oneMemberMs: { median: median(one), runs: one }, speedup: Math.round(median(one) / median(three) * 1000) / 1000 }
}
