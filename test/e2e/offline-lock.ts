/**
 * Prepares an empty directory for `npm install --offline <tarballs>`: tests reach nothing beyond
 * 127.0.0.1, so the third-party packages come from npm's cache, where the repository's own
 * install put them. npm needs the registry to choose versions, or a lock that chose them: this
 * writes a package-lock.json holding every third-party package the tarballs' declared
 * dependencies need, transitively, at the version and place the repository's lock gives it.
 * Only declared dependencies are followed, so a package that forgot one fails to run.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

interface LockEntry {
  version?: string
  link?: boolean
  resolved?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  [field: string]: unknown
}

interface Manifest {
  name: string
  version: string
  dependencies?: Record<string, string>
  bin?: Record<string, string>
  engines?: Record<string, string>
}

/** The manifest inside an npm tarball. */
export function tarballManifest (tarball: string): Manifest {
  return JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Manifest
}

export function writeOfflineInstall (dir: string, tarballs: string[]): void {
  const repo = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages
  // Workspace packages: name → their folder in the repository (apps/worker).
  const workspaceDir = new Map<string, string>()
  for (const [path, entry] of Object.entries(repo)) {
    if (entry.link === true && entry.resolved !== undefined) workspaceDir.set(path.slice('node_modules/'.length), entry.resolved)
  }
  const folders = new Set(workspaceDir.values())
  const parent = (path: string): string => {
    if (folders.has(path)) return ''
    const at = path.lastIndexOf('/node_modules/')
    return at < 0 ? '' : path.slice(0, at)
  }
  // Node's lookup: the nearest node_modules up from where the dependent sits.
  const find = (from: string, dep: string): string | undefined => {
    for (let at = from; ; at = parent(at)) {
      const candidate = at === '' ? `node_modules/${dep}` : `${at}/node_modules/${dep}`
      if (repo[candidate] !== undefined && repo[candidate].link !== true) return candidate
      if (at === '') return undefined
    }
  }
  // Where a repository path goes in the new tree: a workspace folder becomes its installed place.
  const placed = (path: string): string => {
    for (const [name, folder] of workspaceDir) if (path.startsWith(folder + '/')) return `node_modules/${name}${path.slice(folder.length)}`
    return path
  }
  const packages: Record<string, LockEntry> = {}
  const follow = (from: string): void => {
    const entry = repo[from]
    const deps = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }
    for (const dep of Object.keys(deps)) {
      if (workspaceDir.has(dep)) continue // one of the tarballs
      const found = find(from, dep)
      if (found === undefined) {
        if (entry.optionalDependencies?.[dep] !== undefined || entry.peerDependenciesMeta?.[dep]?.optional === true) continue
        throw new Error(`${from} depends on ${dep}, which the repository's lock does not hold`)
      }
      if (packages[placed(found)] !== undefined) continue
      packages[placed(found)] = repo[found]
      follow(found)
    }
  }
  const direct: Record<string, string> = {}
  for (const tarball of tarballs) {
    const manifest = tarballManifest(tarball)
    const folder = workspaceDir.get(manifest.name)
    if (folder === undefined) throw new Error(`${tarball} holds ${manifest.name}, not a package of this repository`)
    direct[manifest.name] = `file:${tarball}`
    packages[`node_modules/${manifest.name}`] = {
      version: manifest.version,
      resolved: `file:${tarball}`,
      integrity: 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64'),
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines
    }
    follow(folder)
  }
  const lock = { name: 'offline-install', lockfileVersion: 3, requires: true, packages: { '': { name: 'offline-install', dependencies: direct }, ...packages } }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'offline-install', private: true }, null, 2))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2))
}
