
import { silentLogger } from '../daemon/util/logger.js';
import { WorkerPool } from '../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../daemon/media/SipMediaLeg.js';
import { AudioMixer } from '../daemon/media/AudioMixer.js';
import { SIM_CLOCK, SimRoom, toneDb } from '../tests/helpers/simRoom.js';
const log = silentLogger();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
  const router = await pool.routerFor('x');
  const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
  const mixer = new AudioMixer({ log, router });
  const sims: SimRoom[] = [];
  for (const [id, hz] of [['a', 440], ['b', 660]] as const) {
    const sim = await SimRoom.create({ codec: 'PCMA', pt: 8, toneHz: hz });
    const leg = await SipMediaLeg.create({ id, router, ports, log, announcedAddress: '127.0.0.1', kinds: ['audio'] });
    await leg.setRemote({ address: '127.0.0.1', audio: { port: sim.port, rtcpPort: sim.rtcpPort, pt: 8, codec: 'PCMA', clockRate: 8000 } });
    mixer.addSipLeg(id, leg);
    sim.start({ address: '127.0.0.1', port: leg.localDescription().audio!.port });
    sims.push(sim);
  }
  await sleep(800);
  const s0 = performance.now();
  for (let k = 0; k < 8; k++) {
    const t = performance.now(); await sleep(400);
    const pcm = sims[1]!.audioSince(t);
    console.log(k, pcm.length, toneDb(pcm, 8000, 440).toFixed(1), JSON.stringify(mixer.stats().map(s => [s.id, s.underruns, s.lost, s.late, s.dropped, s.targetFrames, s.depthMs.toFixed(0)])), mixer.lateTicks);
    if (k === 2) sims[0]!.changeSsrc();
  }
  // gaps in received b packets
  const arr = sims[1]!.packets.filter(p => p.at > s0).map(p => p.at);
  const gaps = arr.slice(1).map((x, i) => x - arr[i]!);
  console.log('max gap', Math.max(...gaps).toFixed(1), 'mean', (gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(2));
  mixer.close(); pool.close(); for (const s of sims) s.close();

