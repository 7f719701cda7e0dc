// Recordings (录制): what `conf record` and `recordings list|show|delete` send and get back.

export type RecordingState = 'recording' | 'stopped' | 'failed';

export interface RecordingPartView {
  /** Absolute path of the part's MP4 (fragmented: plays even if the daemon died while writing it). */
  file: string;
  /** WebVTT next to it: who held the floor when (players load it as subtitles). */
  chapters: string;
  start: string;
  end: string | null;
  durationSeconds: number;
  sizeBytes: number;
  /** The file is gone from the disk (deleted by hand): listed, not an error. */
  missing: boolean;
}

export interface RecordingView {
  id: string;
  conferenceId: string;
  title: string;
  state: RecordingState;
  start: string;
  end: string | null;
  durationSeconds: number;
  sizeBytes: number;
  /** The recording's folder (parts, chapters, floor.json). */
  path: string;
  /** Every part's file is gone from the disk. */
  missing: boolean;
  parts: RecordingPartView[];
  /** Why it stopped (an operator, the meeting ended, the disk guard, an error). */
  stopReason: string | null;
  startedBy: string;
}

export interface RecordStartResult {
  recording: RecordingView;
  /** It was already recording: nothing changed. */
  already: boolean;
}

export interface RecordingListParams {
  conferenceId?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface RecordingDeleteResult {
  id: string;
  /** Bytes of files removed (0 when they were already gone). */
  freedBytes: number;
}
