// Conference control: participants with state, mute, floor, raised hands, view and link quality;
// polling and the hand queue; an event log; the compositor panel (E); keys m M f n N p P c v l g E d h e x q. Hanging up, muting
// everyone and ending the meeting ask first. A newly raised hand rings the terminal's bell.
import { useEffect, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../hooks/useKeys.js';
import type { ConferenceMode, ConferenceView, LegStats } from '../../../protocol/index.js';
import { CompositorPanel, compositorPanelLines } from '../components/CompositorPanel.js';
import { Confirm } from '../components/Confirm.js';
import { EventLog } from '../components/EventLog.js';
import { KeyHelp } from '../components/KeyHelp.js';
import { ParticipantDetail, ParticipantTable } from '../components/ParticipantTable.js';
import { Table } from '../components/Table.js';
import type { ConferenceActions } from '../data/calls.js';
import type { ConfEvent } from '../data/state.js';
import { errorMessage } from '../data/types.js';
import { fmtClock } from '../format.js';
import { useCaptureKeys } from '../hooks/useCaptureKeys.js';
import { useSyncState } from '../hooks/useSyncState.js';
import { fmtDuration, localName, useI18n } from '../i18n/index.js';

export interface ConferenceScreenProps {
  conferences: readonly ConferenceView[];
  events: Record<string, ConfEvent[]>;
  stats: Record<string, LegStats[]>;
  actionsFor: (conferenceId: string) => ConferenceActions | null;
  /** Read a conference again (the compositor panel, while open: its changes are not all notified). */
  refresh?: (conferenceId: string) => void;
  now: number;
  timezone: string;
  width: number;
  height: number;
  onBack: () => void;
}

/** `l` cycles through these: off (the switched view) first, then the multi-picture layouts. */
const LAYOUT_CYCLE = ['off', 'auto', '2x2', '3x3', '4x4', '5x5', '1+5', '1+7', '1+12', '1'] as const;

/** While the compositor panel is open the conference is read again this often: the compositor starting
 *  its pictures and a decoder's first picture come with no notification. */
const PANEL_REFRESH_MS = 2000;

const MODES: readonly (readonly [key: string, mode: ConferenceMode])[] = [['b', 'broadcast'], ['r', 'rollcall'], ['v', 'voice'], ['s', 'select']];

type Pending = { message: string; run: () => void };
type Status = { text: string; color: string } | null;

function ConferenceList({ conferences, onOpen, onBack }: { conferences: readonly ConferenceView[]; onOpen: (id: string) => void; onBack: () => void }) {
  const { t } = useI18n();
  const [cursor, setCursor, getCursor] = useSyncState(0);
  useKeys((input, key) => {
    if (key.upArrow || input === 'k') setCursor((c) => Math.max(0, c - 1));
    else if (key.downArrow || input === 'j') setCursor((c) => Math.min(conferences.length - 1, c + 1));
    else if (key.return) {
      const c = conferences[getCursor()];
      if (c) onOpen(c.id);
    } else if (input === 'q' || key.escape) onBack();
  });
  return (
    <Box flexDirection="column">
      <Text bold>{t('conf.choose')}</Text>
      <Table
        selected={cursor}
        columns={[{ header: t('ov.col.title') }, { header: t('ov.col.mode') }, { header: t('ov.col.sites') }]}
        rows={conferences.map((c) => [c.title, t(`mode.${c.mode}`), t('ov.sites', { connected: c.participants.filter((p) => p.state === 'connected').length, total: c.participants.length })])}
      />
      <KeyHelp keys={[['↑↓', t('key.select')], ['⏎', t('key.open')], ['q', t('key.back')]]} />
    </Box>
  );
}

export function ConferenceScreen(props: ConferenceScreenProps) {
  const { conferences, onBack } = props;
  const { t } = useI18n();
  const [openId, setOpenId] = useState<string | null>(null);
  const only = conferences.length === 1 ? conferences[0] : undefined;
  const open = conferences.find((c) => c.id === openId) ?? only;
  if (conferences.length === 0) {
    return <NoConference onBack={onBack} text={t('conf.none')} />;
  }
  if (!open) return <ConferenceList conferences={conferences} onOpen={setOpenId} onBack={onBack} />;
  return <ConferenceControl {...props} conference={open} onBack={only ? onBack : () => setOpenId(null)} />;
}

function NoConference({ onBack, text }: { onBack: () => void; text: string }) {
  const { t } = useI18n();
  useKeys((input, key) => {
    if (input === 'q' || key.escape) onBack();
  });
  return (
    <Box flexDirection="column">
      <Text dimColor>{text}</Text>
      <KeyHelp keys={[['q', t('key.back')]]} />
    </Box>
  );
}

function ConferenceControl({ conference: c, events, stats, actionsFor, refresh, now, timezone, width, height, onBack }: ConferenceScreenProps & { conference: ConferenceView }) {
  const { t, lang } = useI18n();
  const [cursor, setCursor, getCursor] = useSyncState(0);
  const [pending, setPending, getPending] = useSyncState<Pending | null>(null);
  const [choosingMode, setChoosingMode, getChoosingMode] = useSyncState(false);
  const [choosingPane, setChoosingPane, getChoosingPane] = useSyncState(false);
  const [choosingPollPane, setChoosingPollPane, getChoosingPollPane] = useSyncState(false);
  const [status, setStatus] = useState<Status>(null);
  const [showCompositor, setShowCompositor] = useState(false);
  useCaptureKeys(pending !== null || choosingMode || choosingPane || choosingPollPane);
  const actions = actionsFor(c.id);
  const selectedAt = (i: number) => c.participants[Math.min(i, c.participants.length - 1)];
  const sel = selectedAt(cursor);

  useEffect(() => {
    if (cursor >= c.participants.length && c.participants.length > 0) setCursor(c.participants.length - 1);
  }, [cursor, c.participants.length]);

  useEffect(() => {
    if (!showCompositor || !refresh) return;
    refresh(c.id);
    const timer = setInterval(() => refresh(c.id), PANEL_REFRESH_MS);
    return () => clearInterval(timer);
  }, [showCompositor, refresh, c.id]);

  // the bell: once per hand that was not up at the last render
  const seenHands = useRef(new Set((c.hands ?? []).map((h) => h.endpointId)));
  useEffect(() => {
    const now = new Set((c.hands ?? []).map((h) => h.endpointId));
    if ([...now].some((id) => !seenHands.current.has(id)) && process.stdout.isTTY) process.stdout.write('\x07');
    seenHands.current = now;
  }, [c.hands]);

  const run = (label: string, fn: ((a: ConferenceActions) => Promise<unknown>) | undefined) => {
    if (!fn || !actions) return;
    setStatus({ text: `${label}…`, color: 'cyan' });
    fn(actions).then(
      () => setStatus({ text: t('act.ok', { action: label }), color: 'green' }),
      (err: unknown) => setStatus({ text: t('act.failed', { action: label, message: errorMessage(err) }), color: 'red' }),
    );
  };
  const ask = (message: string, label: string, fn: (a: ConferenceActions) => Promise<unknown>) =>
    setPending({ message, run: () => run(label, fn) });

  useKeys((input, key) => {
    if (getPending()) return; // the question owns the keyboard
    if (getChoosingMode()) {
      const m = MODES.find(([k]) => k === input);
      if (m) run(t('conf.act.mode', { mode: t(`mode.${m[1]}`) }), (a) => a.mode(m[1]));
      if (m || key.escape || input === 'q') setChoosingMode(false);
      return;
    }
    const sel = selectedAt(getCursor());
    const selName = sel ? localName(sel.name, lang, sel.endpointId) : '';
    if (getChoosingPane()) {
      if (sel && /^[0-9]$/.test(input)) {
        const pane = Number(input);
        // 0: the selected site goes back to automatic filling (its pin, wherever it was, is undone)
        const pinned = Object.entries(c.multiview?.pins['conference'] ?? {}).find(([, s]) => s === sel.endpointId)?.[0];
        if (pane > 0) run(t('conf.act.pane', { name: selName, pane }), (a) => a.pane(pane, sel.endpointId));
        else if (pinned) run(t('conf.act.pane', { name: selName, pane: 'auto' }), (a) => a.pane(Number(pinned), 'auto'));
      }
      if (/^[0-9]$/.test(input) || key.escape || input === 'q') setChoosingPane(false);
      return;
    }
    if (getChoosingPollPane()) {
      // 1–9: poll that pane of the conference's layout (every site, 10 s); 0: stop the polling
      if (/^[1-9]$/.test(input)) run(t('conf.act.pollPane', { pane: input }), (a) => a.pollPane(Number(input)));
      else if (input === '0' && c.polling) run(t('conf.act.pollOff'), (a) => a.poll(false));
      if (/^[0-9]$/.test(input) || key.escape || input === 'q') setChoosingPollPane(false);
      return;
    }
    if (key.upArrow || input === 'k') setCursor((n) => Math.max(0, n - 1));
    else if (key.downArrow || input === 'j') setCursor((n) => Math.min(c.participants.length - 1, n + 1));
    else if (input === 'q' || key.escape) onBack();
    else if (input === 'M') ask(t('confirm.muteAll'), t('conf.act.muteAll'), (a) => a.muteAllExceptChair());
    else if (input === 'v') setChoosingMode(true);
    else if (input === 'l') {
      const now = LAYOUT_CYCLE.indexOf((c.multiview?.layout ?? 'off') as (typeof LAYOUT_CYCLE)[number]);
      const next = LAYOUT_CYCLE[(now + 1) % LAYOUT_CYCLE.length]!;
      run(t('conf.act.layout', { layout: next }), (a) => a.layout(next));
    } else if (sel && input === 'g') setChoosingPane(true);
    else if (input === 'E') setShowCompositor((v) => !v);
    else if (input === 'e') run(t('conf.act.extend'), (a) => a.extend(15));
    else if (input === 'n') run(t('conf.act.rollNext'), (a) => a.floorStep('next'));
    else if (input === 'N') run(t('conf.act.rollPrev'), (a) => a.floorStep('previous'));
    else if (input === 'P') setChoosingPollPane(true);
    else if (input === 'p') run(t(c.polling ? 'conf.act.pollOff' : 'conf.act.pollOn'), (a) => a.poll(!c.polling));
    else if (input === 'c') run(t('conf.act.clearHands'), (a) => a.clearHands());
    else if (input === 'x') ask(t('confirm.end', { title: c.title }), t('conf.act.end'), (a) => a.end());
    else if (sel && input === 'm') {
      const label = t(sel.muted ? 'conf.act.unmute' : 'conf.act.mute', { name: selName });
      run(label, (a) => a.mute(sel.endpointId, !sel.muted));
    } else if (sel && input === 'f') run(t('conf.act.floor', { name: selName }), (a) => a.floor(sel.endpointId));
    else if (sel && input === 'd') run(t('conf.act.dial', { name: selName }), (a) => a.dial(sel.endpointId));
    else if (sel && input === 'h') ask(t('confirm.hangup', { name: selName }), t('conf.act.hangup', { name: selName }), (a) => a.hangup(sel.endpointId));
  });

  const connected = c.participants.filter((p) => p.state === 'connected').length;
  const siteName = (id: string | null): string => {
    const p = id === null ? undefined : c.participants.find((x) => x.endpointId === id);
    return p ? localName(p.name, lang, p.endpointId) : (id ?? '—');
  };
  const fixed = c.participants.length + 12 + (c.polling ? 1 : 0) + (c.hands?.length ? 1 : 0);
  // the panel's encoder rows take what is left above a three-line event log (at least two, at most eight)
  const panelRows = Math.min(8, height - fixed - 3 - 4);
  const logLines = Math.max(3, height - fixed - (showCompositor ? compositorPanelLines(c, panelRows, lang, t) : 0));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{t('conf.header', { title: c.title, mode: t(`mode.${c.mode}`), connected, total: c.participants.length, elapsed: fmtDuration((now - Date.parse(c.startedAt)) / 1000, t) })}</Text>
        {c.endsAt ? <Text dimColor> · {t('conf.endsAt', { time: fmtClock(c.endsAt, timezone) })}</Text> : null}
        {c.locked ? <Text color="yellow"> · {t('conf.locked')}</Text> : null}
        {c.live ? <Text color="red"> · {c.live.hls ? t('live.badgeViewers', { viewers: c.live.hls.viewers }) : t('live.badge')}</Text> : null}
        {c.recording ? (
          <Text color="red">
            {' · '}
            {c.recording.starting
              ? t('rec.badgeStarting')
              : t('rec.badge', { elapsed: fmtDuration((now - Date.parse(c.recording.startedAt)) / 1000, t) })}
          </Text>
        ) : null}
      </Text>
      {c.polling ? (
        <Text color="cyan" wrap="truncate-end">
          ⟳ {c.polling.current === null
            ? t('conf.pollingNone', { interval: c.polling.intervalSeconds })
            : t('conf.polling', {
              interval: c.polling.intervalSeconds, current: siteName(c.polling.current), next: siteName(c.polling.next),
              secs: Math.max(0, Math.round(((c.polling.nextAt ? Date.parse(c.polling.nextAt) : now) - now) / 1000)),
            })}
          {c.polling.pane !== undefined ? t('conf.pollingPane', { pane: c.polling.pane }) : ''}
        </Text>
      ) : null}
      {c.hands?.length ? (
        <Text color="yellow" wrap="truncate-end">
          ✋ {t('conf.hands', { list: c.hands.map((h, i) => `${i + 1}. ${siteName(h.endpointId)} ${fmtClock(h.at, timezone)}`).join('  ') })}
        </Text>
      ) : null}
      <ParticipantTable conference={c} stats={stats} selected={Math.min(cursor, c.participants.length - 1)} width={width} />
      {sel ? <ParticipantDetail conferenceId={c.id} participant={sel} stats={stats} /> : null}
      {showCompositor ? <CompositorPanel conference={c} width={width} rows={panelRows} /> : null}
      <Box marginTop={1}>
        <EventLog events={events[c.id] ?? []} lines={logLines} timezone={timezone} title={t('conf.events')} emptyText={t('conf.noEvents')} />
      </Box>
      {pending ? (
        <Confirm
          message={pending.message}
          onConfirm={() => {
            setPending(null);
            pending.run();
          }}
          onCancel={() => setPending(null)}
        />
      ) : null}
      {choosingMode ? (
        <Text>
          <Text bold>{t('conf.modeChoose')}</Text>
          {MODES.map(([k, m]) => <Text key={k}>  <Text bold inverse={m === c.mode}>{k}</Text> {t(`mode.${m}`)}</Text>)}
          <Text dimColor>  Esc {t('key.cancel')}</Text>
        </Text>
      ) : null}
      {choosingPane && sel ? (
        <Text>
          <Text bold>{t('conf.paneChoose', { name: localName(sel.name, lang, sel.endpointId) })}</Text>
          <Text dimColor>  Esc {t('key.cancel')}</Text>
        </Text>
      ) : null}
      {choosingPollPane ? (
        <Text>
          <Text bold>{t('conf.pollPaneChoose')}</Text>
          <Text dimColor>  Esc {t('key.cancel')}</Text>
        </Text>
      ) : null}
      {status ? <Text color={status.color} wrap="truncate-end">{status.text}</Text> : null}
      <KeyHelp keys={[
        ['↑↓', t('key.select')], ['m', t('key.mute')], ['M', t('key.muteAll')], ['f', t('key.floor')], ['n', t('key.rollNext')], ['N', t('key.rollPrev')],
        ['p', t('key.poll')], ['P', t('key.pollPane')], ['c', t('key.clearHands')], ['v', t('key.view')], ['l', t('key.layout')], ['g', t('key.pane')], ['E', t('key.compositor')],
        ['d', t('key.dial')], ['h', t('key.hangup')], ['e', t('key.extend')], ['x', t('key.end')], ['q', t('key.back')],
      ]} />
    </Box>
  );
}
