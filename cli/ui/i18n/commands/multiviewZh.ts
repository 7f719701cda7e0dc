// 普通命令的中文：多画面布局及合成器的编码与解码（conf show）。属于 cliZh（../cliZh.ts）；键与 multiviewEn.ts 一一对应。
import type { multiviewEn } from './multiviewEn.js';

export const multiviewZh: Record<keyof typeof multiviewEn, string> = {
  'c.mv.layout': '分屏布局 {layout}',
  'c.mv.banner': '；横幅“{banner}”',
  'c.mv.personal': '  {site}：专用布局 {layout}',
  'c.mv.pinned': '  固定画面（{owner}）：{pins}',
  'c.mv.see': '  {sites} 看 {layout}：{panes}',
  'c.mv.transcoded': '（转码）',
  'c.mv.confOwner': '会议',
  'c.mv.encoders': '  编码器（{n} 路）：',
  'c.mv.encoder': '    {i}. {codec}，{size}，{fps} 帧/秒，{kbps} kbit/s：{what} → {rooms}',
  'c.mv.codecH264': 'H.264（打包模式 {mode}）',
  'c.mv.encConf': '会议布局 {layout}',
  'c.mv.encPersonal': '{site} 的专用布局 {layout}',
  'c.mv.encTx': '{site} 转码',
  'c.mv.encProgram': '节目流',
  'c.mv.decoding': '  解码（{n} 路）：{list}',
  'c.mv.noPicture': '（无图像）',
  'c.mv.offScreen': '  未解码（不在画面上）：{list}',
};
