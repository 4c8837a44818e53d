// The packages users install: `npm run pack` writes each program's tarballs (its package and the
// @cycleshare libraries it needs); installed into an empty directory, away from the repository,
// they run. The install is offline (offline-lock.ts says why and how).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROGRAMS, packProgram } from '../../scripts/pack.js'
import { Proc, cleanup, http, isDone, runCommand, startCoordinator, submit, tempDir, track, waitForJob, waitForWorker } from './harness.js'
import { tarballManifest, writeOfflineInstall } from './offline-lock.js'

afterAll(cleanup)

const names = (tarballs: string[]): string[] => tarballs.map(t => tarballManifest(t).name).sort()

/** Every file under `dir` whose name ends with `suffix`, as paths relative to it. */
function filesEndingWith (dir: string, suffix: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter(f => f.endsWith(suffix))
}

async function install (tarballs: string[]): Promise<string> {
  const dir = tempDir('install')
  writeOfflineInstall(dir, tarballs)
  const run = await runCommand('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: dir })
  expect(run.stderr).not.toMatch(/npm error/)
  expect(run.code).toBe(0)
  return dir
}

describe('packages', () => {
  it('each program is packed with exactly the libraries it runs with: the worker, the CLI and a group member carry no SQLite and no NestJS', () => {
    const out = tempDir('packages')
    const packed = Object.fromEntries(Object.keys(PROGRAMS).map(p => [p, names(packProgram(p, out))]))
    const worker = ['@cycleshare/api', '@cycleshare/blobs', '@cycleshare/lifecycle', '@cycleshare/peer', '@cycleshare/program', '@cycleshare/protocol', '@cycleshare/tasks', '@cycleshare/worker', '@cycleshare/worker-runtime']
    expect(packed.worker).toEqual(worker)
    expect(packed.cli).toEqual(['@cycleshare/api', '@cycleshare/cli', '@cycleshare/client', '@cycleshare/program'])
    expect(packed.coordinator).toEqual(['@cycleshare/accumulation-point', '@cycleshare/api', '@cycleshare/blobs', '@cycleshare/coordinator', '@cycleshare/dashboard', '@cycleshare/lifecycle', '@cycleshare/peer', '@cycleshare/program', '@cycleshare/protocol', '@cycleshare/scheduler', '@cycleshare/tasks'])
    // A group member runs jobs it accumulates itself: it has the scheduler (and SQLite) by design.
    expect(packed.peer).toEqual(['@cycleshare/accumulation-point', '@cycleshare/api', '@cycleshare/blobs', '@cycleshare/group-peer', '@cycleshare/lifecycle', '@cycleshare/peer', '@cycleshare/program', '@cycleshare/protocol', '@cycleshare/scheduler', '@cycleshare/tasks', '@cycleshare/worker-runtime'])
    for (const tarball of readdirSync(join(out, 'worker'))) {
      const listing = spawnSync('tar', ['tzf', join(out, 'worker', tarball)], { encoding: 'utf8' }).stdout
      expect(listing, tarball).toMatch(/^package\/package\.json$/m)
      expect(listing, tarball).not.toMatch(/\.test\.|\/testing\/|\.tsbuildinfo|\/src\//)
    }
  })

  it('a volunteer installs the worker\'s tarballs into an empty directory and `npx cycleshare-worker` finishes a job exactly; a researcher\'s CLI reads the result', async () => {
    const out = tempDir('packages')
    const home = await install(packProgram('worker', out))
    const modules = join(home, 'node_modules')
    // Nothing of the coordinator came along, and nothing was compiled: the only native code is
    // prebuilt Node-API (setting the threads' priority; msgpackr's optional decoder).
    for (const absent of ['better-sqlite3', 'better-sqlite3-napi', '@nestjs/core', 'express', '@cycleshare/scheduler']) expect(existsSync(join(modules, absent)), absent).toBe(false)
    for (const native of filesEndingWith(modules, '.node')) expect(native).toMatch(/^@napi-rs\/nice-|^@msgpackr-extract\//)
    expect(filesEndingWith(modules, '.o')).toEqual([])
    // The installed package is a copy, not a link back into the repository.
    expect(lstatSync(join(modules, '@cycleshare/worker')).isDirectory()).toBe(true)

    const coordinator = await startCoordinator()
    const child = spawn('npx', ['cycleshare-worker', '--coordinator', coordinator.multiaddr, '--threads', '2', '--data-dir', tempDir('volunteer'), '--listen', '/ip4/127.0.0.1/tcp/0', '--max-load', '100', '--allow-battery'],
      { cwd: home, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const worker = track(new Proc('packed worker', child, true))
    const ready = await worker.waitFor(l => l.msg === 'worker ready', 'worker ready')
    await waitForWorker(coordinator.api, ready.peerId as string, w => w.state === 'idle')
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 8 })
    const done = await waitForJob(() => coordinator.api, id, isDone)
    expect(done.progress).toEqual({ done: 8, total: 8 })
    const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    expect(workers.find(w => w.peerId === ready.peerId)?.chunksDone).toBe(8)

    const cli = await install(packProgram('cli', out))
    const result = await runCommand('npx', ['cycleshare', 'result', id, '--coordinator', coordinator.api.replace(/\/api$/, '')], { cwd: cli, env: { ...process.env, XDG_CONFIG_HOME: tempDir('no-config') } })
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ from: 0, to: 10_000_000, count: 664_579 })
  })
})
