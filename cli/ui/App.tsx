// The console's frame: header (site, screens, link to the daemon), the current screen, and the keys
// that switch screens. Pure over its props, so tests render it without a daemon.
import { useCallback, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from './hooks/useKeys.js';
import { Header, SCREENS, type ScreenName } from './components/Header.js';
import { KeyHelp } from './components/KeyHelp.js';
import { addSchedule, conferenceActions } from './data/calls.js';
import { runDiagnosis } from './data/diagnose.js';
import type { ConsoleState } from './data/state.js';
import type { ConnState, ConsoleApi } from './data/types.js';
import { CaptureContext } from './hooks/useCaptureKeys.js';
import { useNow } from './hooks/useNow.js';
import { useI18n } from './i18n/index.js';
import { ConferenceScreen } from './screens/ConferenceScreen.js';
import { Overview } from './screens/Overview.js';
import { ScheduleScreen } from './screens/ScheduleScreen.js';
import { TechnicianScreen } from './screens/TechnicianScreen.js';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

export interface AppProps {
  conn: ConnState;
  url: string;
  state: ConsoleState;
  loadError: string | null;
  api: ConsoleApi | null;
  reload: () => void;
  /** Read one conference again into the state (see ConferenceScreen's refresh). */
  refreshConference?: (id: string) => void;
  width: number;
  height: number;
  onQuit: () => void;
  initialScreen?: ScreenName;
  /** Fixed time for tests; the live console ticks every second. */
  now?: number;
}

export function App({ conn, url, state, loadError, api, reload, refreshConference, width, height, onQuit, initialScreen = 'overview', now: fixedNow }: AppProps) {
  const { t } = useI18n();
  const [screen, setScreen] = useState<ScreenName>(initialScreen);
  const [captured, setCaptured] = useState(0);
  const addCapture = useCallback((d: number) => setCaptured((n) => n + d), []);
  const ticking = useNow(1000);
  const now = fixedNow ?? ticking;
  const timezone = state.status?.timezone ?? DEFAULT_TIMEZONE;
  const back = useCallback(() => setScreen('overview'), []);

  useKeys((input) => {
    const n = Number(input);
    if (Number.isInteger(n) && n >= 1 && n <= SCREENS.length) setScreen(SCREENS[n - 1] ?? 'overview');
    else if (input === 'q' && screen === 'overview') onQuit();
  }, { isActive: captured === 0 });

  const actionsFor = useCallback((id: string) => (api ? conferenceActions(api, id) : null), [api]);
  const diagnose = useMemo(() => (api ? (id: string, onUpdate: Parameters<typeof runDiagnosis>[3]) => runDiagnosis(api, id, t, onUpdate) : null), [api, t]);
  const add = useMemo(() => (api ? (p: Parameters<typeof addSchedule>[1]) => addSchedule(api, p) : null), [api]);

  let body;
  switch (screen) {
    case 'overview':
      body = (
        <Box flexDirection="column">
          <Overview state={state} now={now} width={width} height={height - 5} timezone={timezone} />
          <Box marginTop={1}><KeyHelp keys={[['1-4', t('key.screens')], ['q', t('key.quit')]]} /></Box>
        </Box>
      );
      break;
    case 'conference':
      body = <ConferenceScreen conferences={state.conferences} events={state.events} stats={state.stats} actionsFor={actionsFor} refresh={refreshConference} now={now} timezone={timezone} width={width} height={height} onBack={back} />;
      break;
    case 'technician':
      body = <TechnicianScreen endpoints={state.endpoints} diagnose={diagnose} height={height} onBack={back} />;
      break;
    case 'schedule':
      body = <ScheduleScreen occurrences={state.occurrences} endpoints={state.endpoints} now={now} timezone={timezone} height={height} addSchedule={add} onBooked={reload} onBack={back} />;
      break;
  }
  return (
    <CaptureContext.Provider value={addCapture}>
      <Box flexDirection="column" width={width}>
        <Header site={state.status?.site ?? ''} screen={screen} conn={conn} url={url} now={now} />
        {loadError ? <Text color="red" wrap="truncate-end">✕ {loadError}</Text> : null}
        <Box marginTop={1} flexDirection="column">{body}</Box>
      </Box>
    </CaptureContext.Provider>
  );
}
