import { Command } from 'commander';
import { globals, withClient } from '../context.js';
import { usage } from '../errors.js';
import { print } from '../output.js';
import { translator } from '../ui/i18n/translate.js';
import {
  fmtBytes,
  renderRecordStart,
  renderRecordStop,
  renderRecording,
  renderRecordingList,
} from '../recordingRender.js';
import { say } from '../../protocol/index.js';

// vcbridge conf record start|stop ID and vcbridge recordings list|show|delete (录制).

/** How long `conf record start` waits for the daemon: its own bound on a start (START_DEADLINE_MS,
 *  45 s: tapping the program feed on the media worker and starting ffmpeg) plus slack for a busy machine. */
export const RECORD_START_WAIT_MS = 60_000;

const recStart = new Command('start')
  .description('record the conference (its picture and the full mix) until stopped or the meeting ends')
  .argument('<id>', 'conference id')
  .action(async (id: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) =>
      c.call(
        'conference.record.start',
        { id },
        {
          ms: RECORD_START_WAIT_MS,
          error: () => say('cli.recordStartSlow', { id, s: RECORD_START_WAIT_MS / 1000 }),
        },
      ),
    );
    print(g, r, (v) => renderRecordStart(v, g.lang));
  });

const recStop = new Command('stop')
  .description('stop recording the conference (the meeting goes on)')
  .argument('<id>', 'conference id')
  .action(async (id: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('conference.record.stop', { id }));
    print(g, r, (v) => renderRecordStop(v, id, g.lang));
  });

export const record = new Command('record')
  .description('record a conference (录制): start or stop')
  .addCommand(recStart)
  .addCommand(recStop);

const list = new Command('list')
  .description('recordings, oldest first (a file deleted by hand is listed as missing)')
  .option('--conference <id>', 'only the recordings of this conference')
  .option('--limit <n>', 'the newest n (default 100, at most 1000)')
  .action(async (o: { conference?: string; limit?: string }, cmd: Command) => {
    const g = globals(cmd);
    const limit = o.limit === undefined ? undefined : Number(o.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
      throw usage(say('cli.limit', { value: String(o.limit) }));
    const rows = await withClient(g, (c) =>
      c.call('recording.list', {
        ...(o.conference ? { conferenceId: o.conference } : {}),
        ...(limit ? { limit } : {}),
      }),
    );
    print(g, rows, (v) => renderRecordingList(v, g.lang));
  });

const show = new Command('show')
  .description('one recording: its parts, files, size, duration and why it stopped')
  .argument('<id>', 'recording id (see vcbridge recordings list)')
  .action(async (id: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('recording.show', { id }));
    print(g, r, (v) => renderRecording(v, g.lang));
  });

const del = new Command('delete')
  .description('delete a finished recording: its files and its entry')
  .argument('<id>', 'recording id')
  .action(async (id: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('recording.delete', { id }));
    print(g, r, (v) => translator(g.lang)('rec.deleted', { id: v.id, size: fmtBytes(v.freedBytes) }));
  });

export const recordings = new Command('recordings')
  .description('recordings of conferences (录制): list, show, delete')
  .addCommand(list)
  .addCommand(show)
  .addCommand(del);
