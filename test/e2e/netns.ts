/**
 * A LAN of network namespaces, made by the test itself (root, iproute2): one namespace per host,
 * each with one veth into a bridge in a namespace of its own, addresses 10.77.0.x/24 and a route
 * for multicast. mDNS and anything else multicast stay inside; nothing reaches this machine's own
 * interfaces. Each host's 127.0.0.1 is its own, so a host's local HTTP API is reached from
 * inside it (`fetchIn`).
 */
import { execFileSync, spawnSync } from 'node:child_process'

export interface Lan {
  /** The namespace of host `i` (from 0). */
  hosts: string[]
  /** Host `i`'s address on the LAN. */
  address(i: number): string
  remove(): void
}

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }) }

export function createLan (hostCount: number): Lan {
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 1000)}`
  const bridge = `csbr${id}`
  const hosts = Array.from({ length: hostCount }, (_, i) => `cs${i}h${id}`)
  const made: string[] = []
  const remove = (): void => {
    for (const ns of made.splice(0).reverse()) spawnSync('ip', ['netns', 'del', ns])
  }
  try {
    ip('netns', 'add', bridge)
    made.push(bridge)
    ip('netns', 'exec', bridge, 'ip', 'link', 'add', 'br0', 'type', 'bridge')
    ip('netns', 'exec', bridge, 'ip', 'link', 'set', 'br0', 'up')
    hosts.forEach((ns, i) => {
      ip('netns', 'add', ns)
      made.push(ns)
      const outside = `v${i}x${id}`.slice(0, 15)
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
      ip('link', 'set', outside, 'netns', bridge)
      ip('netns', 'exec', bridge, 'ip', 'link', 'set', outside, 'master', 'br0')
      ip('netns', 'exec', bridge, 'ip', 'link', 'set', outside, 'up')
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `10.77.0.${10 + i}/24`, 'dev', 'eth0')
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up')
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')
      ip('netns', 'exec', ns, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    })
  } catch (err) {
    remove()
    throw new Error(`could not make network namespaces (this needs root and iproute2): ${(err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message}`)
  }
  return { hosts, address: (i) => `10.77.0.${10 + i}`, remove }
}

/** `fetch(url, init)` run inside namespace `ns` (its own 127.0.0.1); resolves with the status and JSON body. */
export function fetchIn (ns: string, url: string, init: { method?: string, body?: unknown } = {}): { status: number, body: any } {
  const script = `const r = await fetch(${JSON.stringify(url)}, ${JSON.stringify(init.body === undefined ? { method: init.method ?? 'GET' } : { method: init.method ?? 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) })})
process.stdout.write(JSON.stringify({ status: r.status, body: await r.json() }))`
  const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' })
  return JSON.parse(out)
}
