import { CommanderError } from 'commander'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { parseWorkerConfig } from './config.js'

const coordinator = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'

describe('worker config', () => {
  it('reads a config file under flags and environment, and names its bad fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycleshare-worker-config-'))
    try {
      const file = join(dir, 'worker.json')
      writeFileSync(file, JSON.stringify({ coordinator: coordinator, threads: 3, maxCpu: 50, workHours: '22:00-07:00', allowBattery: true, dataDir: dir }))
      const c = parseWorkerConfig(['--config', file], {})
      expect(c).toMatchObject({ coordinators: [coordinator], threads: 3, prefetch: 6, maxCpu: 50, allowBattery: true, dataDir: dir })
      expect(c.workHours?.text).toBe('22:00-07:00')
      expect(parseWorkerConfig(['--config', file, '--threads', '1'], { CYCLESHARE_MAX_CPU: '75' })).toMatchObject({ threads: 1, maxCpu: 75 })
      expect(parseWorkerConfig([], { CYCLESHARE_CONFIG: file }).threads).toBe(3)
      writeFileSync(file, '{"thread": 2}')
      expect(() => parseWorkerConfig(['--config', file], {})).toThrow(`config file ${file}: unknown field "thread" (it takes coordinator, threads,`)
      writeFileSync(file, '{"threads": [2]}')
      expect(() => parseWorkerConfig(['--config', file], {})).toThrow(`config file ${file}: threads must be a number or a string`)
      writeFileSync(file, '{"threads": 0, "coordinator": "' + coordinator + '"}')
      expect(() => parseWorkerConfig(['--config', file], {})).toThrow('--threads must be at least 1 (got "0")')
      writeFileSync(file, '[1]')
      expect(() => parseWorkerConfig(['--config', file], {})).toThrow(`config file ${file} must hold a JSON object`)
      expect(() => parseWorkerConfig(['--config', join(dir, 'none.json')], {})).toThrow(`config file ${join(dir, 'none.json')} does not exist`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lends the machine within --work-hours only, and names bad ones', () => {
    expect(parseWorkerConfig(['--coordinator', coordinator, '--work-hours', '9:00-17:00']).workHours?.text).toBe('09:00-17:00')
    expect(parseWorkerConfig(['--coordinator', coordinator]).workHours).toBeUndefined()
    expect(() => parseWorkerConfig(['--coordinator', coordinator, '--work-hours', 'evenings'], {})).toThrow('--work-hours must be ranges like 22:00-07:00 or 09:00-17:30,20:00-23:00 (got "evenings")')
  })

  it('reads flags over environment over defaults; prefetch defaults to twice the threads', () => {
    const c = parseWorkerConfig(['--coordinator', coordinator, '--threads', '3'], { CYCLESHARE_MAX_LOAD: '50' })
    expect(c).toMatchObject({ coordinators: [coordinator], threads: 3, prefetch: 6, maxLoad: 50, maxCpu: 100, allowBattery: false, memoryMb: 512 })
    expect(parseWorkerConfig([], { CYCLESHARE_COORDINATOR: coordinator, CYCLESHARE_ALLOW_BATTERY: '1' }).allowBattery).toBe(true)
    expect(parseWorkerConfig(['--coordinator', coordinator, '--prefetch', '0', '--max-cpu', '25']).prefetch).toBe(0)
  })

  it('takes --coordinator several times, each checked; flags replace the environment list', () => {
    const other = '/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
    expect(parseWorkerConfig(['--coordinator', coordinator, '--coordinator', other], {}).coordinators).toEqual([coordinator, other])
    expect(parseWorkerConfig([], { CYCLESHARE_COORDINATOR: `${coordinator},${other}` }).coordinators).toEqual([coordinator, other])
    expect(parseWorkerConfig(['--coordinator', other], { CYCLESHARE_COORDINATOR: coordinator }).coordinators).toEqual([other])
    expect(() => parseWorkerConfig(['--coordinator', coordinator, '--coordinator', '/ip4/1.2.3.4/tcp/1'], {}))
      .toThrow('--coordinator must be a multiaddr ending in /p2p/<peer id>, like /ip4/192.168.1.10/tcp/4001/p2p/12D3Koo… (got "/ip4/1.2.3.4/tcp/1")')
  })

  it('names the bad flag and the value it got', () => {
    expect(() => parseWorkerConfig([], {})).toThrow('--coordinator is required')
    expect(() => parseWorkerConfig(['--coordinator', '/ip4/1.2.3.4/tcp/1'], {})).toThrow('--coordinator must be a multiaddr ending in /p2p/<peer id>')
    expect(() => parseWorkerConfig(['--coordinator', coordinator, '--threads', '0'], {})).toThrow('--threads must be at least 1 (got "0")')
    expect(() => parseWorkerConfig(['--coordinator', coordinator, '--max-load', '101'], {})).toThrow('--max-load must be at most 100 (got "101")')
    expect(() => parseWorkerConfig(['--coordinator', coordinator, '--max-cpu', '0'], {})).toThrow('--max-cpu must be at least 1 (got "0")')
    expect(() => parseWorkerConfig(['--coordinator', coordinator, '--memory-mb', 'lots'], {})).toThrow('--memory-mb must be a number (got "lots")')
  })

  it('--help tells the commands and what SIGUSR1, SIGINT and SIGTERM do', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(() => parseWorkerConfig(['--help'], {})).toThrow(CommanderError)
      const help = out.mock.calls.map(([chunk]) => String(chunk)).join('')
      expect(help).toContain('Usage: cycleshare-worker [options]')
      // Every flag names its environment variable.
      for (const env of ['CYCLESHARE_COORDINATOR', 'CYCLESHARE_THREADS', 'CYCLESHARE_PREFETCH', 'CYCLESHARE_DATA_DIR', 'CYCLESHARE_LISTEN', 'CYCLESHARE_MAX_LOAD', 'CYCLESHARE_ALLOW_BATTERY',
        'CYCLESHARE_MAX_CPU', 'CYCLESHARE_MEMORY_MB', 'CYCLESHARE_WORK_HOURS', 'CYCLESHARE_BLOB_CACHE_MB', 'CYCLESHARE_LOG_LEVEL', 'CYCLESHARE_CONFIG']) {
        expect(help.replace(/\s+/g, ' '), env).toContain(`(env ${env}`)
      }
      expect(help.endsWith([
        '  -h, --help                 display help for command',
        '',
        'Commands (for a worker running on this machine, found by --data-dir):',
        '  status           what it is doing: working, waiting, owner busy, paused…, chunks done, credit',
        '  pause            stop taking chunks; the unfinished ones go to idle peers (or back)',
        '  resume           take chunks again',
        '',
        'Signals:',
        '  SIGUSR1          pause: stop taking chunks and hand the unfinished ones to idle peers (or give',
        '                   them back to the coordinator); send it again to resume',
        '  SIGINT, SIGTERM  stop: the unfinished chunks go the same way, then the worker exits',
        ''
      ].join('\n'))).toBe(true)
    } finally {
      out.mockRestore()
    }
  })
})
