import { createReadStream, createWriteStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { WorkerView } from '@cycleshare/api'
import { ConfigError } from '@cycleshare/program'
import type { Command } from 'commander'
import type { Context } from './context.js'
import { bytes, localTime, table } from './format.js'
import { configPath } from './settings.js'

/** workers, tasks, blobs, config. */
export function addCatalogCommands (program: Command, ctx: Context): void {
  program.command('workers')
    .description('list the workers connected or seen lately, most recently seen first')
    .option('--all', 'every worker on record, those gone long ago too')
    .action(async (opts: { all?: boolean }) => {
      ctx.print(await ctx.client.workers({ all: opts.all === true }), list => list.length === 0 ? 'no workers\n' : table(
        ['PEER', 'STATE', 'THREADS', 'DONE', 'FAILED', 'INVALID', 'CREDIT (CPU-s)', 'LAST SEEN', 'NOTE'],
        list.map(w => [w.peerId, w.state, String(w.threads), String(w.chunksDone), String(w.chunksFailed), String(w.invalid), w.credit.toFixed(1), localTime(w.lastSeen), note(w)])
      ))
    })

  const tasks = program.command('tasks').description('list tasks, or register your own (WebAssembly)')
  tasks.command('list', { isDefault: true })
    .description('list the built-in and registered tasks')
    .action(async () => {
      ctx.print(await ctx.client.tasks(), list => table(
        ['TASK', 'KIND', 'RESULT', 'DESCRIPTION'],
        list.map(t => [t.name, t.kind, t.resultType, t.description])
      ))
    })
  tasks.command('register <manifest> <module>')
    .description('register a WebAssembly task: its manifest (JSON file) and module (.wasm file)')
    .action(async (manifestFile: string, moduleFile: string) => {
      const manifest = parseJsonFile(await readInput(manifestFile, 'manifest'), manifestFile)
      const module = await readInput(moduleFile, 'module')
      const { task, created } = await ctx.client.registerTask(manifest, module)
      ctx.print({ ...task, created }, t => `${t.created ? 'registered' : 'already registered (same code)'} ${t.name}: module ${t.module ?? ''}, signed by ${t.signer ?? ''}\n`)
    })

  const blobs = program.command('blobs').description('list, upload or download blobs (input files)')
  blobs.command('list', { isDefault: true })
    .description('list the blobs the coordinator holds')
    .action(async () => {
      ctx.print(await ctx.client.blobs(), list => list.length === 0 ? 'no blobs\n' : table(
        ['NAME', 'SIZE', 'COMPLETE', 'IN USE', 'LAST USED'],
        list.map(b => [b.name, bytes(b.size), b.complete ? 'yes' : 'no', b.inUse ? 'yes' : 'no', localTime(b.lastUsed)])
      ))
    })
  blobs.command('upload <file>')
    .description('upload a file; prints the blob\'s name, for a job\'s params')
    .action(async (file: string) => {
      const size = (await stat(file).catch((err: Error) => { throw new ConfigError(`${file} cannot be read: ${err.message}`) })).size
      const blob = await ctx.client.uploadBlob(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, size)
      ctx.print(blob, b => b.name + '\n')
    })
  blobs.command('download <name>')
    .description('download a blob to a file')
    .option('-o, --out <file>', 'where it goes (default: the blob\'s name)')
    .action(async (name: string, flags: { out?: string }) => {
      const body = await ctx.client.downloadBlob(name)
      const file = flags.out ?? name
      await pipeline(Readable.fromWeb(body as never), createWriteStream(file))
      const { size } = await stat(file)
      ctx.print({ file, bytes: size }, r => `wrote ${bytes(r.bytes)} to ${r.file}\n`)
    })

  program.command('config')
    .description('show which coordinator and token the CLI uses, and where each came from')
    .action(() => {
      const s = ctx.settings
      const shown = { coordinator: s.coordinator, coordinatorFrom: s.from.coordinator, token: s.token === undefined ? undefined : mask(s.token), tokenFrom: s.from.token, configFile: configPath({}, ctx.env).path }
      ctx.print(shown, c => [
        `coordinator  ${c.coordinator}   (from ${c.coordinatorFrom})`,
        `token        ${c.token === undefined ? 'none: give one with --token, CYCLESHARE_TOKEN or the config file' : `${c.token}   (from ${c.tokenFrom})`}`,
        `config file  ${c.configFile}`
      ].join('\n') + '\n')
    })
}

function note (w: WorkerView): string {
  if (w.excluded !== undefined) return `excluded: ${w.excluded}`
  if (w.throttled !== undefined) return `throttled: ${w.throttled}`
  return ''
}

const mask = (token: string): string => token.length <= 8 ? '********' : `${token.slice(0, 4)}…${token.slice(-4)}`

async function readInput (file: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(file)
  } catch (err) {
    throw new ConfigError(`the ${what} file ${file} cannot be read: ${(err as Error).message}`)
  }
}

function parseJsonFile (bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new ConfigError(`the manifest file ${file} is not valid JSON: ${(err as Error).message}`)
  }
}
