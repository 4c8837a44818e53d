import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { allocatorState, MMAP_THRESHOLD_TUNABLE } from './allocator.js'

const built = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../dist/allocator.js')).href
/** Node ≥ 22.15 can replace its own process; Node 20 cannot. */
const canExec = typeof (process as { execve?: unknown }).execve === 'function'

/** A bin as a program has one: tuneAllocator() first, then it prints its pid, argv and GLIBC_TUNABLES. */
const bin = join(mkdtempSync(join(tmpdir(), 'cycleshare-allocator-')), 'bin.mjs')
writeFileSync(bin, `import { tuneAllocator } from ${JSON.stringify(built)}
tuneAllocator()
console.log(JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), tunables: process.env.GLIBC_TUNABLES ?? null }))
`)

/** Runs the bin with `env` (and nothing else but PATH) and the arguments `a --b`. */
function launch (env: Record<string, string>): { pid: number, argv: string[], tunables: string | null, launcherPid: number } {
  const run = spawnSync(process.execPath, ['--no-warnings', bin, 'a', '--b'], {
    encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL', env: { PATH: process.env.PATH ?? '', ...env }
  })
  expect(run.stderr).toBe('')
  return { ...JSON.parse(run.stdout), launcherPid: run.pid }
}

describe('allocator', () => {
  it('is tuned when GLIBC_TUNABLES sets the mmap threshold, whoever set it', () => {
    expect(allocatorState({ GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE })).toBe('tuned')
    expect(allocatorState({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536' })).toBe('tuned')
  })

  it('is untuned on this glibc machine without it', () => {
    expect(allocatorState({})).toBe('untuned')
    expect(allocatorState({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toBe('untuned')
  })

  it('re-executes in place with the tunable on a Node that can, and changes nothing on one that cannot', () => {
    const run = launch({})
    expect(run.argv).toEqual(['a', '--b'])
    expect(run.pid).toBe(run.launcherPid)
    expect(run.tunables).toBe(canExec ? MMAP_THRESHOLD_TUNABLE : null)
  })

  it('adds to the operator\'s other tunables, and leaves their own threshold alone', () => {
    expect(launch({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).tunables)
      .toBe(canExec ? `glibc.malloc.arena_max=2:${MMAP_THRESHOLD_TUNABLE}` : 'glibc.malloc.arena_max=2')
    expect(launch({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' }).tunables).toBe('glibc.malloc.mmap_threshold=131072')
  })
})
