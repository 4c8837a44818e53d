import { writeFile } from 'node:fs/promises'
import { isFinished, type JobView } from '@cycleshare/api'
import { ConfigError } from '@cycleshare/program'
import type { Command } from 'commander'
import { CommandError, type Context } from './context.js'
import { duration, localTime, table } from './format.js'
import { jobRequest, type SubmitFlags } from './job-flags.js'
import { endLine, watchDisplay } from './watch-display.js'

/** File extensions for the binary results tasks give. */
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'application/octet-stream': 'bin' }

/** submit, watch, result, jobs, job, cancel, remove. */
export function addJobCommands (program: Command, ctx: Context): void {
  program.command('submit <task>')
    .description('submit a job; prints its id (with --watch: follows it and prints its result)')
    .option('-p, --param <name=value>', 'a parameter; repeat for more (values are read as JSON when they are: 1e9, [1,2], true)', collect, [])
    .option('--params <json>', 'parameters as a JSON object')
    .option('--params-file <file>', 'parameters from a file holding a JSON object')
    .option('-c, --chunks <n>', 'how many chunks to split the job into')
    .option('--replication <n|adaptive>', 'copies of each chunk, run on different workers')
    .option('--quorum <n>', 'agreeing copies that decide a chunk')
    .option('--max-attempts <n>', 'results a chunk may collect before it fails')
    .option('--chunk-timeout-ms <ms>', 'how long a worker may run one chunk')
    .option('--priority <n>', 'share of the workers against other jobs (1 to 100)')
    .option('-w, --watch', 'follow the job until it ends, then print its result')
    .option('-o, --out <file>', 'with --watch: where a binary result (a PNG) goes')
    .action(async (task: string, flags: SubmitFlags & { watch?: boolean, out?: string }) => {
      const { id } = await ctx.client.submit(jobRequest(task, flags))
      if (flags.watch !== true) {
        ctx.print({ id }, ({ id }) => id + '\n')
        return
      }
      if (!ctx.json) ctx.stderr.write(`submitted job ${id}\n`)
      const job = await watch(ctx, id)
      if (job.status !== 'done') throw new JobEndedError(endLine(job))
      await printResult(ctx, id, flags.out)
    })

  program.command('watch <job>')
    .description('follow a job live (progress, chunks/s, ETA) until it ends; exits 1 if it failed or was cancelled')
    .action(async (id: string) => {
      const job = await watch(ctx, id)
      if (job.status !== 'done') ctx.exitCode = 1
    })

  program.command('result <job>')
    .description('print a job\'s result (JSON), or write a binary one (a PNG) to a file')
    .option('-o, --out <file>', 'where a binary result goes (default: <job>.png)')
    .action(async (id: string, flags: { out?: string }) => { await printResult(ctx, id, flags.out) })

  program.command('jobs')
    .description('list jobs, newest first')
    .option('--limit <n>', 'how many (1 to 500)', '50')
    .option('--before <job>', 'only jobs submitted before this one')
    .action(async (flags: { limit: string, before?: string }) => {
      if (!/^[0-9]{1,6}$/.test(flags.limit)) throw new ConfigError(`--limit must be a whole number (got ${JSON.stringify(flags.limit)})`)
      const jobs = await ctx.client.jobs({ limit: Number(flags.limit), before: flags.before })
      ctx.print(jobs, list => list.length === 0 ? 'no jobs\n' : table(
        ['ID', 'TASK', 'STATUS', 'CHUNKS', 'SUBMITTED', 'TOOK'],
        list.map(j => [j.id, j.task, j.status, `${j.progress.done}/${j.progress.total}`, localTime(j.createdAt), took(j)])
      ))
    })

  program.command('job <job>')
    .description('show one job')
    .action(async (id: string) => {
      ctx.print(await ctx.client.job(id), describeJob)
    })

  program.command('cancel <job>')
    .description('cancel a queued or running job')
    .action(async (id: string) => {
      ctx.print(await ctx.client.cancel(id), j => `job ${j.id} ${j.status} (${j.progress.done}/${j.progress.total} chunks done)\n`)
    })

  program.command('remove <job>')
    .alias('rm')
    .description('remove a finished job with its chunks, result and failures (cancel a running one first)')
    .action(async (id: string) => {
      // DELETE would cancel a job still running: this command only ever removes.
      const job = await ctx.client.job(id)
      if (job.status === 'queued' || job.status === 'running') throw new CommandError(`job ${job.id} is ${job.status}: cancel it first (cycleshare cancel ${job.id})`)
      await ctx.client.remove(job.id)
      ctx.print({ id: job.id, removed: true }, () => `job ${job.id} removed\n`)
    })
}

/** Follows the job with the live display; resolves with it once it has ended. */
async function watch (ctx: Context, id: string): Promise<JobView> {
  const display = watchDisplay({ json: ctx.json, stdout: ctx.stdout, stderr: ctx.stderr })
  const job = await ctx.client.watch(id, { update: j => { display.update(j) }, lost: (reason, retryMs) => { display.lost(reason, retryMs) } })
  display.end(job)
  return job
}

async function printResult (ctx: Context, id: string, out: string | undefined): Promise<void> {
  const answer = await ctx.client.result(id)
  if ('value' in answer) {
    ctx.print(answer.value, value => JSON.stringify(value, null, 2) + '\n')
    return
  }
  const file = out ?? `${id}.${EXTENSIONS[answer.type] ?? 'bin'}`
  await writeFile(file, answer.bytes)
  ctx.print({ file, type: answer.type, bytes: answer.bytes.length }, r => `wrote ${r.type} (${r.bytes} bytes) to ${r.file}\n`)
}

function describeJob (j: JobView): string {
  const rows: Array<[string, string]> = [
    ['id', j.id], ['task', j.task], ['status', j.status], ['chunks', `${j.progress.done}/${j.progress.total} done`],
    ['submitted', localTime(j.createdAt)]
  ]
  if (j.finishedAt !== undefined) rows.push(['finished', `${localTime(j.finishedAt)} (took ${took(j)})`])
  if (j.error !== undefined) rows.push(['error', j.error])
  rows.push(['replication', `${j.options.replication}, quorum ${j.options.quorum}`], ['max attempts', String(j.options.maxAttempts)], ['priority', String(j.options.priority)])
  if (j.options.chunkTimeoutMs !== undefined) rows.push(['chunk timeout', duration(j.options.chunkTimeoutMs)])
  rows.push(['copies', `${j.stats.backups} backups (${j.stats.backupWins} won), ${j.stats.resumed} resumed from checkpoints, ${j.stats.transfers} handed over`])
  return rows.map(([k, v]) => `${k.padEnd(14)}${v}`).join('\n') + '\n'
}

const took = (j: JobView): string => isFinished(j.status) && j.finishedAt !== undefined ? duration(Date.parse(j.finishedAt) - Date.parse(j.createdAt)) : ''

function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** `submit --watch` of a job that failed or was cancelled: the line says how; the exit code is 1. */
export class JobEndedError extends Error {
  override name = 'JobEndedError'
}
