import { CommanderError } from 'commander'
import { describe, expect, it, vi } from 'vitest'
import { parseWorkerConfig } from './config.js'

const coordinator = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'

describe('worker config', () => {
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

  it('--help tells what SIGUSR1, SIGINT and SIGTERM do', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(() => parseWorkerConfig(['--help'], {})).toThrow(CommanderError)
      const help = out.mock.calls.map(([chunk]) => String(chunk)).join('')
      expect(help).toContain('Usage: cycleshare-worker [options]')
      expect(help.endsWith([
        '  -h, --help                 display help for command',
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
