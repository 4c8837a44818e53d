/**
 * How a worker's peer should judge gossip on the work topic, before a message is delivered or
 * forwarded: anything that is not a well-formed `work` announcement is rejected (lowering its
 * sender's gossip score), and a peer announcing faster than any accumulation point does has the
 * excess rejected too. Pass it as the peer's `gossipTopics`.
 */
import type { GossipTopicInit } from '@cycleshare/peer'
import { MessageKind, TOPIC_WORK, decodeGossip } from '@cycleshare/protocol'

/**
 * Announcements one peer may send per second. An accumulation point announces when work arrives
 * (bursts coalesced into one) and every couple of seconds while work is pending: a few a second.
 */
const WORK_ANNOUNCEMENTS_PER_SECOND = 50

export function workerGossip (): Record<string, GossipTopicInit> {
  return {
    [TOPIC_WORK]: {
      maxMessagesPerSecond: WORK_ANNOUNCEMENTS_PER_SECOND,
      validate: (data) => {
        try {
          return decodeGossip(data).kind === MessageKind.Work ? 'accept' : 'reject'
        } catch {
          return 'reject'
        }
      }
    }
  }
}
