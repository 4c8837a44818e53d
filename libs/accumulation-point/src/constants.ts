/**
 * Accumulation point defaults, merged as `{ ...defaultAccumulationPointInit, ...init }`.
 */
export const defaultAccumulationPointInit = {
  /**
   * How often pending work is announced on gossip while any is pending (work that arrives is
   * announced at once as well).
   * @defaultValue 2_000
   */
  announceIntervalMs: 2_000
} as const
