// The systemd units in deploy/systemd: systemd reads them without a complaint, they start the
// programs' own bins, and the flags and environment they give are ones the programs take.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config.js'
import { parseWorkerConfig } from '../../apps/worker/src/config.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

interface Unit { path: string, exec: string[], env: Record<string, string> }

function readUnit (name: string, stateDirectory: string): Unit {
  const path = join(root, 'deploy/systemd', name)
  const lines = readFileSync(path, 'utf8').split('\n').filter(l => !l.startsWith('#'))
  const value = (key: string): string[] => lines.filter(l => l.startsWith(`${key}=`)).map(l => l.slice(key.length + 1))
  const exec = value('ExecStart')[0].replaceAll('${STATE_DIRECTORY}', stateDirectory).split(/\s+/)
  const env = Object.fromEntries(value('Environment').map(e => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
  return { path, exec, env }
}

/** What `systemd-analyze verify` says of a unit, but that its command is not installed on this machine. */
function complaints (unit: Unit): string[] {
  const run = spawnSync('systemd-analyze', ['verify', unit.path], { encoding: 'utf8' })
  return `${run.stdout}${run.stderr}`.split('\n').filter(l => l !== '' && !l.endsWith(`Command ${unit.exec[0]} is not executable: No such file or directory`))
}

const binOf = (app: string): string[] => Object.keys((JSON.parse(readFileSync(join(root, 'apps', app, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin)

describe('the systemd units', () => {
  const state = mkdtempSync(join(tmpdir(), 'cycleshare-unit-'))

  it('the coordinator\'s: valid for systemd, its bin, a data directory in its state directory, the API on localhost, --retain 90d', () => {
    const unit = readUnit('cycleshare-coordinator.service', state)
    expect(complaints(unit)).toEqual([])
    expect(binOf('coordinator')).toContain(unit.exec[0])
    const config = parseCoordinatorConfig(unit.exec.slice(1), unit.env)
    expect(config).toMatchObject({ dataDir: state, host: '127.0.0.1', port: 8080, listen: ['/ip4/0.0.0.0/tcp/4001'], retainMs: 90 * 86_400_000, logLevel: 'info' })
  })

  it('the worker\'s: valid for systemd, its bin, a data directory in its state directory, the coordinator from its environment', () => {
    const unit = readUnit('cycleshare-worker.service', state)
    expect(complaints(unit)).toEqual([])
    expect(binOf('worker')).toContain(unit.exec[0])
    const config = parseWorkerConfig(unit.exec.slice(1), unit.env)
    expect(config).toMatchObject({ dataDir: state, threads: 2, coordinators: [unit.env.CYCLESHARE_COORDINATOR], logLevel: 'info' })
  })
})
