/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * coordinator and workers: a job submitted through the API appears, its progress moves live, it
 * reaches done; the task stream draws the workers' chunks; cancelling from the page with the
 * token works; the failures page shows a failed attempt. Screenshots go to test-results/.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanup, http, startCoordinator, startWorker, submit, waitForJob, type Coordinator } from './harness.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const artifacts = join(root, 'test-results')

let coordinator: Coordinator
let browser: Browser
let page: Page
let origin: string

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true })
  coordinator = await startCoordinator()
  await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
  origin = coordinator.api.replace(/\/api$/, '')
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
  })
  page = await browser.newPage({ viewport: { width: 1400, height: 820 } })
})
afterAll(async () => {
  await browser?.close()
  await cleanup()
})

/** The text of an element on the page, or undefined while there is none. */
const textOf = async (selector: string): Promise<string | undefined> => await page.locator(selector).first().textContent({ timeout: 0 }).catch(() => undefined)

describe('the dashboard', () => {
  it('shows a job submitted through the API as it runs, live, to done', async () => {
    const pageErrors: string[] = []
    page.on('pageerror', (err) => { pageErrors.push(err.message) })
    await page.goto(`${origin}/`)
    await page.waitForSelector('[data-connection="live"]')
    expect(await page.title()).toBe('cycleshare')

    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 6e9 }, chunks: 96 })
    const row = `tr[data-job-id="${id}"]`
    await page.waitForSelector(row)
    // Seen part way: the page moved without being reloaded, on the event stream alone.
    await page.waitForFunction((sel) => {
      const text = document.querySelector(`${sel} [data-progress]`)?.textContent ?? ''
      const [done, total] = text.split('/').map(Number)
      return done > 0 && done < total
    }, row, { timeout: 60_000 })
    const midway = await textOf(`${row} [data-progress]`)
    await page.waitForSelector('svg[data-lanes="2"] rect')
    await page.screenshot({ path: join(artifacts, 'dashboard-running.png') })

    await page.waitForSelector(`${row}[data-status="done"]`, { timeout: 120_000 })
    expect(midway).toMatch(/^\d+\/96$/)
    expect(await textOf(`${row} [data-progress]`)).toBe('96/96')
    expect(await textOf(`${row} [data-chunks="done"]`)).toBe('96')
    expect(await textOf(`${row} [data-chunks="running"]`)).toBe('0')
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(279_545_368)
    await page.screenshot({ path: join(artifacts, 'dashboard.png') })
    expect(pageErrors).toEqual([])
  })

  it('finds a job by id, and cancels it with the token', async () => {
    const id = await submit(coordinator.api, { task: 'probe', params: { hangAt: [0, 1] }, chunks: 2 })
    await page.fill('input[name="job"]', id)
    await page.press('input[name="job"]', 'Enter')
    await page.waitForSelector(`section[data-job-id="${id}"][data-status="running"]`)
    expect(await page.locator('section button', { hasText: 'cancel' }).isDisabled()).toBe(true) // no token yet
    await page.fill('input[aria-label="API token"]', coordinator.token)
    await page.click('form.token button')
    await page.waitForSelector('[data-connection="live"]')
    await page.waitForSelector(`section[data-job-id="${id}"][data-status="running"]`)
    await page.click('section button:has-text("cancel")')
    await page.waitForSelector(`section[data-job-id="${id}"][data-status="cancelled"]`)
    expect((await http(coordinator.api, 'GET', `/jobs/${id}`)).body.status).toBe('cancelled')
  })

  it('lists workers with their counts, and failed attempts with their error and worker', async () => {
    const id = await submit(coordinator.api, { task: 'probe', params: { failAt: [2] }, chunks: 4, maxAttempts: 1 })
    await waitForJob(() => coordinator.api, id, j => j.status === 'failed')
    await page.goto(`${origin}/#/failures`)
    await page.waitForSelector('[data-connection="live"]')
    const failure = page.locator('tr[data-failure]', { hasText: id })
    await failure.waitFor()
    expect(await failure.textContent()).toContain('ProbeFailureError: probe chunk 2 failed as asked (params.failAt)')
    await page.goto(`${origin}/#/workers`)
    await page.waitForSelector('tr[data-peer-id]')
    const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    expect(await page.locator('tr[data-peer-id]').count()).toBe(2)
    // The page shows what the API says, once the last worker frames (sent at most every 100 ms) are in.
    for (const w of workers) {
      await page.waitForFunction(([sel, n]) => document.querySelector(sel)?.textContent === n, [`tr[data-peer-id="${w.peerId}"] td:nth-child(4)`, String(w.chunksDone)], { timeout: 5_000 })
      expect(await textOf(`tr[data-peer-id="${w.peerId}"] td:nth-child(4)`)).toBe(String(w.chunksDone))
    }
    await page.screenshot({ path: join(artifacts, 'dashboard-workers.png') })
  })
})
