// What live streaming needs of a conference's program, whoever provides it: the program mux of the
// conference's feed in the daemon (daemon/media/program/ProgramMux), a mux over a plain ffmpeg
// sender in some tests.
import type { ProgramReader } from '../program/ProgramMux.js';

export type { ProgramReader, ProgramTap as FeedTap } from '../program/ProgramMux.js';

/** Where readers come from: a conference's program mux (one AAC encode shared by every output). */
export type FeedSource = (conferenceId: string) => Promise<ProgramReader>;
