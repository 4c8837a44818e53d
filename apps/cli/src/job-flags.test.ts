import { describe, expect, it } from 'vitest'
import { jobRequest } from './job-flags.js'

const files: Record<string, string> = { 'p.json': '{"from": 0, "to": 100, "label": "a"}', 'list.json': '[1]', 'bad.json': '{from' }
const read = (path: string): string => {
  if (!(path in files)) throw new Error(`ENOENT: no such file, open '${path}'`)
  return files[path]
}

describe('submit flags', () => {
  it('builds the job: params from a file, then --params, then each --param; options as numbers', () => {
    expect(jobRequest('primes', { chunks: '8', param: ['from=0', 'to=1e9'] }, read)).toEqual({ task: 'primes', params: { from: 0, to: 1e9 }, chunks: 8 })
    expect(jobRequest('wordcount', {
      chunks: '4', paramsFile: 'p.json', params: '{"to": 50, "x": [1]}', param: ['label=hello world', 'terms=["a","b"]', 'flag=true'],
      replication: 'adaptive', quorum: '2', maxAttempts: '3', chunkTimeoutMs: '60000', priority: '5'
    }, read)).toEqual({
      task: 'wordcount',
      params: { from: 0, to: 50, x: [1], label: 'hello world', terms: ['a', 'b'], flag: true },
      chunks: 4, replication: 'adaptive', quorum: 2, maxAttempts: 3, chunkTimeoutMs: 60000, priority: 5
    })
    expect(jobRequest('pi', { chunks: '2', replication: '3' }, read)).toEqual({ task: 'pi', params: {}, chunks: 2, replication: 3 })
  })

  it('names the flag that is wrong', () => {
    expect(() => jobRequest('primes', {}, read)).toThrow('--chunks is required')
    expect(() => jobRequest('primes', { chunks: 'eight' }, read)).toThrow('--chunks must be a whole number (got "eight")')
    expect(() => jobRequest('primes', { chunks: '-1' }, read)).toThrow('--chunks must be a whole number (got "-1")')
    expect(() => jobRequest('primes', { chunks: '2', replication: 'lots' }, read)).toThrow('--replication must be a whole number or "adaptive" (got "lots")')
    expect(() => jobRequest('primes', { chunks: '2', priority: '1.5' }, read)).toThrow('--priority must be a whole number (got "1.5")')
    expect(() => jobRequest('primes', { chunks: '2', param: ['to'] }, read)).toThrow('--param must be name=value, such as --param to=1e9 (got "to")')
    expect(() => jobRequest('primes', { chunks: '2', param: ['=3'] }, read)).toThrow('--param must be name=value')
    expect(() => jobRequest('primes', { chunks: '2', param: ['to=1', 'to=2'] }, read)).toThrow('--param to is given twice')
    expect(() => jobRequest('primes', { chunks: '2', params: '{to' }, read)).toThrow(/^--params is not valid JSON/)
    expect(() => jobRequest('primes', { chunks: '2', params: '[1]' }, read)).toThrow('--params must be a JSON object')
    expect(() => jobRequest('primes', { chunks: '2', paramsFile: 'list.json' }, read)).toThrow('--params-file list.json must be a JSON object')
    expect(() => jobRequest('primes', { chunks: '2', paramsFile: 'bad.json' }, read)).toThrow(/^--params-file bad.json is not valid JSON/)
    expect(() => jobRequest('primes', { chunks: '2', paramsFile: 'none.json' }, read)).toThrow(/^--params-file none.json cannot be read: ENOENT/)
  })
})
