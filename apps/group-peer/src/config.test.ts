import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseGroupPeerConfig } from './config.js'

const dir = mkdtempSync(join(tmpdir(), 'cycleshare-group-config-'))
const secret = join(dir, 'lab.secret')
writeFileSync(secret, 'sixteen bytes at least\n')
const short = join(dir, 'short.secret')
writeFileSync(short, 'too short\n')

describe('cycleshare-peer flags', () => {
  it('reads the group, its secret (the final newline left out) and the defaults', () => {
    const config = parseGroupPeerConfig(['--group', 'lab', '--group-secret-file', secret, '--threads', '3'], {})
    expect(config).toMatchObject({ group: 'lab', bootstrap: [], mdns: true, apiPort: 7070, threads: 3, prefetch: 6, leaseTtlMs: 30_000, announceIntervalMs: 2_000 })
    expect(new TextDecoder().decode(config.secret)).toBe('sixteen bytes at least')
    expect(parseGroupPeerConfig(['--group', 'lab', '--group-secret-file', secret, '--no-mdns', '--bootstrap', '/ip4/10.0.0.2/tcp/4101/p2p/12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'], {}))
      .toMatchObject({ mdns: false, bootstrap: ['/ip4/10.0.0.2/tcp/4101/p2p/12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'] })
    expect(parseGroupPeerConfig([], { CYCLESHARE_GROUP: 'lab', CYCLESHARE_GROUP_SECRET_FILE: secret, CYCLESHARE_MDNS: '0' })).toMatchObject({ group: 'lab', mdns: false })
  })

  it('names what is wrong', () => {
    const fails = (argv: string[]): string => {
      try {
        parseGroupPeerConfig(argv, {})
      } catch (err) {
        expect((err as Error).name).toBe('ConfigError')
        return (err as Error).message
      }
      return 'taken'
    }
    expect(fails(['--group-secret-file', secret])).toBe('--group is required: the group\'s name')
    expect(fails(['--group', 'lab'])).toMatch(/^--group-secret-file is required/)
    expect(fails(['--group', 'Lab', '--group-secret-file', secret])).toBe('--group must be 1 to 63 lowercase letters, digits and dashes (got "Lab")')
    expect(fails(['--group', 'lab', '--group-secret-file', join(dir, 'none')])).toBe(`--group-secret-file ${join(dir, 'none')} cannot be read: ENOENT`)
    expect(fails(['--group', 'lab', '--group-secret-file', short])).toBe(`--group-secret-file ${short} holds 9 bytes; a group secret needs at least 16 (make one with "cycleshare-peer secret")`)
    expect(fails(['--group', 'lab', '--group-secret-file', secret, '--bootstrap', '/ip4/10.0.0.2/tcp/4101'])).toMatch(/^--bootstrap must be a multiaddr ending in \/p2p\/<peer id>/)
    expect(fails(['--group', 'lab', '--group-secret-file', secret, '--api-port', '70000'])).toBe('--api-port must be at most 65535 (got "70000")')
  })
})
