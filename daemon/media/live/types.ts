// What live streaming needs of a conference's program feed (the conference picture as H.264 and the
// full mix), whoever provides it: media/program's FeedTap in the daemon, a plain ffmpeg in some tests.

/** One consumer pair on the feed, sent as plain RTP to ports on 127.0.0.1 that ffmpeg listens on. */
export interface FeedTap {
  /** SDP text for `ffmpeg -i`: one m=video (H.264) and one m=audio, their ports and payload types. */
  sdp: string;
  /** Ask the picture for a keyframe (ffmpeg copying H.264 starts at the first one). */
  requestKeyFrame(): void;
  /** Stop the consumers and free the ports. Idempotent. */
  close(): void;
  /** The tap ended by itself (worker died, conference ended, feed stopped): the reader must re-tap. */
  on(event: 'closed', listener: (e: { reason: string }) => void): unknown;
}

/** Where taps come from: a conference's program feed. */
export type FeedSource = (conferenceId: string) => Promise<FeedTap>;
