// The live console: the daemon link and its state, fed into the App.
import { useEffect, useState } from 'react';
import { useApp, useStdout } from 'ink';
import { App } from './App.js';
import type { ScreenName } from './components/Header.js';
import { useConsoleData } from './hooks/useConsoleData.js';
import { useDaemon, type DaemonOptions } from './hooks/useDaemon.js';
import { KeyProvider } from './hooks/useKeys.js';
import { I18nContext, translator, type UiLang } from './i18n/index.js';

export interface ConsoleRootProps extends DaemonOptions {
  lang: UiLang;
  initialScreen?: ScreenName;
}

function useTerminalSize(): { width: number; height: number } {
  const { stdout } = useStdout();
  const read = () => ({ width: stdout.columns || 100, height: stdout.rows || 30 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function ConsoleRoot({ lang, initialScreen, ...daemonOpts }: ConsoleRootProps) {
  const { exit } = useApp();
  const daemon = useDaemon(daemonOpts);
  const data = useConsoleData(daemon);
  const { width, height } = useTerminalSize();
  const [i18n] = useState(() => ({ lang, t: translator(lang) }));
  return (
    <I18nContext.Provider value={i18n}>
      <KeyProvider>
      <App
        conn={daemon.conn}
        url={daemonOpts.url}
        state={data.state}
        loadError={data.loadError}
        api={daemon.api}
        reload={data.reload}
        refreshConference={data.refreshConference}
        width={width}
        height={height}
        onQuit={() => exit()}
        initialScreen={initialScreen}
      />
      </KeyProvider>
    </I18nContext.Provider>
  );
}
