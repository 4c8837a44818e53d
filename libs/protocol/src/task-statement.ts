/**
 * What an accumulation point signs when it registers a custom task, and what a peer checks before
 * it runs one: the task's name, its module's blob name and its manifest's exact bytes. Domain
 * separated, so a signature over a task can never pass for a signature over anything else.
 */
const PREFIX = 'cycleshare/task/1\n'

/** The bytes signed for task `task` (`name@version`) with module blob `module` and manifest JSON `manifest`. */
export function taskStatement (task: string, module: string, manifest: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${PREFIX}${task}\n${module}\n`)
  const bytes = new Uint8Array(head.length + manifest.length)
  bytes.set(head)
  bytes.set(manifest, head.length)
  return bytes
}
