import { CycleshareClient } from '@cycleshare/client'
import { WebSocket } from 'ws'
import { resolveSettings, type SettingFlags, type Settings } from './settings.js'

type Out = NodeJS.WritableStream & { isTTY?: boolean }

/** What every command reads: the settings, a client for them, `--json`, and where to write. */
export class Context {
  #settings?: Settings
  #client?: CycleshareClient
  json = false
  /** What the process exits with when the command returns: a watched job that failed sets 1. */
  exitCode = 0

  constructor (readonly stdout: Out, readonly stderr: Out, readonly env: NodeJS.ProcessEnv) {}

  /** From the global flags of the command being run. */
  configure (flags: SettingFlags & { json?: boolean }): void {
    this.json = flags.json === true
    this.#settings = resolveSettings(flags, this.env)
    this.#client = undefined
  }

  get settings (): Settings {
    if (this.#settings === undefined) throw new Error('settings read before the command was configured')
    return this.#settings
  }

  get client (): CycleshareClient {
    // Node 20 has no WebSocket of its own; ws's fits the client's SocketLike.
    this.#client ??= new CycleshareClient({ url: this.settings.coordinator, token: this.settings.token, WebSocket: WebSocket as never })
    return this.#client
  }

  /** `value` as one line of JSON with --json, else what `text` makes of it. */
  print<T> (value: T, text: (value: T) => string): void {
    this.stdout.write(this.json ? JSON.stringify(value) + '\n' : text(value))
  }
}

/** A refusal the command explains itself: printed as it is, exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError'
}
