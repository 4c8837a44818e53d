/**
 * Memory that comes back after a burst. glibc's malloc keeps the blocks it frees inside its heaps
 * for reuse rather than returning them, so a coordinator that held 128 MiB of slow frames for two
 * hostile peers stayed at ~316 MB RSS against ~136 MB idle once they left, although every buffer
 * had been freed and collected. Blocks from 32 KiB up, mapped on their own, go back to the system
 * as they are freed: the same attack then ends back at ~98 MB. (A 64 KiB threshold is not enough:
 * Noise hands over decrypted messages of just under 64 KiB, and sockets read in 64 KiB blocks.)
 *
 * The threshold can only be set before the process starts, through GLIBC_TUNABLES, so a program's
 * bin calls `tuneAllocator()` first: on glibc it replaces the process with itself (same pid,
 * arguments and stdio; `process.execve`, Node ≥ 22.15) with the tunable added. An operator's own
 * malloc tunables are left alone.
 */

/** The tunable a program's environment gets. */
export const MMAP_THRESHOLD_TUNABLE = 'glibc.malloc.mmap_threshold=32768'

export type AllocatorState =
  /** Not glibc (musl, macOS, Windows): nothing to tune. */
  | 'not-glibc'
  /** GLIBC_TUNABLES sets malloc's mmap threshold: ours or the operator's. */
  | 'tuned'
  /** glibc, untuned, and this Node cannot replace its process (Node 20): set it by hand. */
  | 'untuned'

function runsOnGlibc (): boolean {
  if (process.platform !== 'linux') return false
  // The report's header names the glibc this process runs on; leave out its slow network part.
  const report = process.report as typeof process.report & { excludeNetwork?: boolean }
  report.excludeNetwork = true
  const { header } = report.getReport() as { header?: { glibcVersionRuntime?: string } }
  return header?.glibcVersionRuntime !== undefined
}

function hasThreshold (tunables: string | undefined): boolean {
  return tunables !== undefined && tunables.includes('glibc.malloc.mmap_threshold=')
}

/** Where this process stands; for the log line a program writes when it starts. */
export function allocatorState (env: NodeJS.ProcessEnv = process.env): AllocatorState {
  if (hasThreshold(env.GLIBC_TUNABLES)) return 'tuned'
  return runsOnGlibc() ? 'untuned' : 'not-glibc'
}

/**
 * Re-executes this process with MMAP_THRESHOLD_TUNABLE in GLIBC_TUNABLES when it runs on glibc
 * without one and Node can (`process.execve`); otherwise returns, having changed nothing. Call it
 * before the program loads anything else: nothing of this process survives the exec.
 */
export function tuneAllocator (): void {
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve
  if (execve === undefined || allocatorState() !== 'untuned') return
  const tunables = process.env.GLIBC_TUNABLES
  const env = { ...process.env, GLIBC_TUNABLES: tunables === undefined || tunables === '' ? MMAP_THRESHOLD_TUNABLE : `${tunables}:${MMAP_THRESHOLD_TUNABLE}` }
  execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env)
}
