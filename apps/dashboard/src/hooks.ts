import { useEffect, useState } from 'preact/hooks'
import type { Live } from './live.js'

/** Re-renders when the live state changes, at most once a frame however many events arrive. */
export function useLive (live: Live): number {
  const [version, setVersion] = useState(0)
  useEffect(() => {
    let frame = 0
    const off = live.subscribe(() => {
      if (frame !== 0) return
      frame = requestAnimationFrame(() => { frame = 0; setVersion(v => v + 1) })
    })
    return () => { off(); cancelAnimationFrame(frame) }
  }, [live])
  return version
}

/** Re-renders every `ms` (the task stream's clock moves even when nothing happens). */
export function useTicker (ms: number): number {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => { setTick(t => t + 1) }, ms)
    return () => { clearInterval(timer) }
  }, [ms])
  return tick
}

/** The part of location.hash after `#/`, kept current. */
export function useRoute (): string {
  const [route, setRoute] = useState(location.hash.replace(/^#\/?/, ''))
  useEffect(() => {
    const on = (): void => { setRoute(location.hash.replace(/^#\/?/, '')) }
    addEventListener('hashchange', on)
    return () => { removeEventListener('hashchange', on) }
  }, [])
  return route
}
