/**
 * How the accumulation point's peer should judge gossip on the pull topic, before a message is
 * delivered or forwarded: a message that is not a well-formed `pull` is rejected (which lowers its
 * sender's gossip score), and a peer sending pulls faster than twice its pull budget has the excess
 * rejected too, so a flooder is graylisted and its messages are dropped unread, at the cost of
 * nothing but the connection. Pass it as the peer's `gossipTopics`.
 */
import type { GossipTopicInit } from '@cycleshare/peer'
import { DEFAULT_TOPICS, MessageKind, decodeGossip, type GossipTopics } from '@cycleshare/protocol'
import { defaultAccumulationPointInit } from './constants.js'

/**
 * Gossip pulls per second one peer may send before the excess is rejected, as a multiple of its
 * pull budget: between the two, pulls are dropped by the budget without a mark against the peer.
 */
const GOSSIP_RATE_FACTOR = 2

export function accumulationPointGossip (init: { pullsPerSecond?: number, topics?: GossipTopics } = {}): Record<string, GossipTopicInit> {
  const pullsPerSecond = init.pullsPerSecond ?? defaultAccumulationPointInit.pullsPerSecond
  return {
    [(init.topics ?? DEFAULT_TOPICS).pull]: {
      maxMessagesPerSecond: GOSSIP_RATE_FACTOR * pullsPerSecond,
      validate: (data) => {
        try {
          return decodeGossip(data).kind === MessageKind.Pull ? 'accept' : 'reject'
        } catch {
          return 'reject'
        }
      }
    }
  }
}
