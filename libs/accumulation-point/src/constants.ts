import { DEFAULT_TOPICS, type GossipTopics } from '@cycleshare/protocol'

/**
 * Accumulation point defaults, merged as `{ ...defaultAccumulationPointInit, ...init }`.
 */
export const defaultAccumulationPointInit = {
  /**
   * The gossip topics: the open network's.
   * @defaultValue `DEFAULT_TOPICS`
   */
  topics: DEFAULT_TOPICS as GossipTopics,
  /**
   * A peer group member's accumulation point: announces its addresses and dials back pullers.
   * @defaultValue false
   */
  groupMember: false as boolean,
  /**
   * How often pending work is announced on gossip while any is pending (work that arrives is
   * announced at once as well).
   * @defaultValue 2_000
   */
  announceIntervalMs: 2_000,
  /**
   * Workers not heard from for this long, and not connected, leave the list of workers.
   * @defaultValue 3_600_000
   */
  forgetWorkersAfterMs: 3_600_000,
  /**
   * Pulls one peer may make per second, on average. An honest worker pulls when half its
   * capacity is free and retries a lost pull after 250 ms at the soonest: a few dozen a second
   * when chunks are tiny. A pull over budget is dropped before any scheduling work.
   * @defaultValue 200
   */
  pullsPerSecond: 200,
  /**
   * Pulls one peer may make at once before the rate applies (the token bucket's size).
   * @defaultValue 200
   */
  pullBurst: 200,
  /**
   * Pulls over budget (fading over ten seconds) after which the peer is disconnected.
   * @defaultValue 1_000
   */
  overBudgetPullsBeforeDisconnect: 1_000,
  /**
   * Assigns in a row a peer may refuse outright (or fail) before its pulls are set aside.
   * @defaultValue 3
   */
  refusalsBeforeBackoff: 3,
  /**
   * How long pulls are set aside the first time; each further time in a row doubles it.
   * @defaultValue 1_000
   */
  refusalBackoffMs: 1_000,
  /**
   * The longest pulls are set aside for.
   * @defaultValue 60_000
   */
  maxRefusalBackoffMs: 60_000
} as const
