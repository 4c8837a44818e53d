import { describe, expect, it } from 'vitest'
import type { AnyTask } from '@cycleshare/tasks'
import { createScheduler } from './scheduler.js'
import { openSqliteStore } from './sqlite/index.js'
import { sumTask } from './testing/fake-tasks.js'

/** `sum` over the size of a blob its params name: the scheduler looks the blob up through its params context. */
const blobSum: AnyTask = {
  ...sumTask,
  name: 'blobsum',
  parseParams (raw: unknown, chunks: number, ctx) {
    const blob = (raw as { blob?: unknown }).blob as string
    const n = ctx?.blobSize(blob)
    if (n === undefined) throw new Error(`params.blob names no blob held here (${blob})`)
    return { n, blob, chunks }
  },
  blobs: (params: { blob: string }) => [params.blob]
}

describe('blobs named by jobs', () => {
  it('are looked up when a job is submitted, and needed while it is queued or running', () => {
    const held = new Map([['bafkreione', 10], ['bafkreitwo', 20]])
    const scheduler = createScheduler({ store: openSqliteStore(':memory:'), tasks: new Map([['blobsum', blobSum]]), paramsContext: { blobSize: n => held.get(n) } })
    expect(() => scheduler.submit({ task: 'blobsum', params: { blob: 'bafkreithree' }, chunks: 1 })).toThrow('params.blob names no blob held here (bafkreithree)')
    const one = scheduler.submit({ task: 'blobsum', params: { blob: 'bafkreione' }, chunks: 2 })
    scheduler.submit({ task: 'blobsum', params: { blob: 'bafkreitwo' }, chunks: 2 })
    expect(scheduler.blobsNeeded()).toEqual(new Set(['bafkreione', 'bafkreitwo']))
    scheduler.cancel(one.id)
    expect(scheduler.blobsNeeded()).toEqual(new Set(['bafkreitwo']))
  })
})
