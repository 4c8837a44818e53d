/**
 * How a worker's peer should judge gossip, before a message is delivered or forwarded: on the
 * work topic anything that is not a well-formed `work` announcement is rejected, and on the pull
 * topic (a worker listens to its peers' pulls, to know who could take its leases when it steps
 * back) anything that is not a well-formed `pull`; a rejection lowers its sender's gossip score.
 * A peer sending faster than the topic's rate has the excess rejected too, so a flooder is
 * graylisted and its messages are dropped unread. Pass it as the peer's `gossipTopics`.
 */
import type { GossipTopicInit } from '@cycleshare/peer'
import { DEFAULT_TOPICS, MessageKind, decodeGossip, type GossipMessage, type GossipTopics } from '@cycleshare/protocol'

/**
 * Announcements one peer may send per second. An accumulation point announces when work arrives
 * (bursts coalesced into one) and every couple of seconds while work is pending: a few a second.
 */
const WORK_ANNOUNCEMENTS_PER_SECOND = 50

/**
 * Pulls one connected peer may send per second: the coordinator's own limit (twice its default
 * pull budget of 200 a second). A peer forwards the pulls of the peers behind it, the coordinator
 * above all, and what the coordinator lets through must not count against it here.
 */
const PULLS_PER_SECOND = 400

/** Accepts well-formed gossip of one kind and rejects anything else. */
function only (kind: GossipMessage['kind']): (data: Uint8Array) => 'accept' | 'reject' {
  return (data) => {
    try {
      return decodeGossip(data).kind === kind ? 'accept' : 'reject'
    } catch {
      return 'reject'
    }
  }
}

export function workerGossip (topics: GossipTopics = DEFAULT_TOPICS): Record<string, GossipTopicInit> {
  return {
    [topics.work]: { maxMessagesPerSecond: WORK_ANNOUNCEMENTS_PER_SECOND, validate: only(MessageKind.Work) },
    [topics.pull]: { maxMessagesPerSecond: PULLS_PER_SECOND, validate: only(MessageKind.Pull) }
  }
}
