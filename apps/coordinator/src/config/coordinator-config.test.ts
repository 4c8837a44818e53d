import { describe, expect, it } from 'vitest'
import { parseCoordinatorConfig } from './coordinator-config.js'

describe('coordinator config', () => {
  it('reads flags over environment over defaults', () => {
    const c = parseCoordinatorConfig(['--port', '9000', '--listen', '/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/5'], { CYCLESHARE_LEASE_TTL_MS: '5000', CYCLESHARE_PORT: '1' })
    expect(c.port).toBe(9000)
    expect(c.listen).toEqual(['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/5'])
    expect(c.leaseTtlMs).toBe(5000)
    expect(c.maxAttempts).toBe(5)
    expect(c.excludeAfter).toBe(3)
    expect(c.stragglerBackups).toBe(true)
    expect(parseCoordinatorConfig(['--no-straggler-backups', '--exclude-after', '7'], {})).toMatchObject({ stragglerBackups: false, excludeAfter: 7 })
    expect(c.dataDir).toMatch(/data\/coordinator$/)
  })

  it('serves the API on 127.0.0.1 with CORS off unless told otherwise', () => {
    expect(parseCoordinatorConfig([], {})).toMatchObject({ host: '127.0.0.1', corsOrigins: [] })
    expect(parseCoordinatorConfig(['--host', '0.0.0.0', '--cors', 'https://lab.example.org', 'http://127.0.0.1:5173'], {}))
      .toMatchObject({ host: '0.0.0.0', corsOrigins: ['https://lab.example.org', 'http://127.0.0.1:5173'] })
    expect(parseCoordinatorConfig([], { CYCLESHARE_CORS: 'https://a.example,https://b.example' })).toMatchObject({ corsOrigins: ['https://a.example', 'https://b.example'] })
    expect(() => parseCoordinatorConfig(['--cors', '*'], {})).toThrow('--cors must be origins such as https://lab.example.org (scheme and host, no path) (got "*")')
  })

  it('reads the per-peer pull budget', () => {
    expect(parseCoordinatorConfig([], {})).toMatchObject({ pullRate: 200, pullBurst: 200, refusalsBeforeBackoff: 3 })
    expect(parseCoordinatorConfig(['--pull-rate', '50', '--pull-burst', '10'], { CYCLESHARE_REFUSALS_BEFORE_BACKOFF: '5' }))
      .toMatchObject({ pullRate: 50, pullBurst: 10, refusalsBeforeBackoff: 5 })
    expect(() => parseCoordinatorConfig(['--pull-rate', '0'], {})).toThrow('--pull-rate must be at least 1 (got "0")')
  })

  it('reads the blob store cap and the upload limit in MiB', () => {
    expect(parseCoordinatorConfig([], {})).toMatchObject({ blobStoreBytes: 10_240 * 1024 * 1024, maxUploadBytes: 4096 * 1024 * 1024 })
    expect(parseCoordinatorConfig(['--max-upload-mb', '3'], { CYCLESHARE_BLOB_STORE_MB: '8' })).toMatchObject({ blobStoreBytes: 8 * 1024 * 1024, maxUploadBytes: 3 * 1024 * 1024 })
    expect(() => parseCoordinatorConfig(['--blob-store-mb', '0'], {})).toThrow('--blob-store-mb must be at least 1 (got "0")')
  })

  it('names the bad flag and the value it got', () => {
    expect(() => parseCoordinatorConfig(['--port', 'x'], {})).toThrow('--port must be a number (got "x")')
    expect(() => parseCoordinatorConfig(['--lease-ttl', '5'], {})).toThrow('--lease-ttl must be at least 1000 (got "5")')
    expect(() => parseCoordinatorConfig(['--listen', 'tcp:4001'], {})).toThrow('--listen must be a multiaddr')
    expect(() => parseCoordinatorConfig(['--log-level', 'loud'], {})).toThrow('--log-level must be one of')
    expect(() => parseCoordinatorConfig(['--bogus'], {})).toThrow("unknown option '--bogus'")
    expect(() => parseCoordinatorConfig([], { CYCLESHARE_PORT: '-1' })).toThrow('--port must be at least 0 (got "-1")')
  })
})
