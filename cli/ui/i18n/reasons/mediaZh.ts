// Chinese for the error details of the media layer (daemon/media: relays, mixer, media plane, codecs, SRTP, compositor, program feed, live outputs) (English: protocol/reasons/mediaEn.ts).
import type { MEDIA_REASONS_EN } from '../../../../protocol/reasons/mediaEn.js';

export const mediaZh: Record<keyof typeof MEDIA_REASONS_EN, string> = {
  'media.kind.audio': '音频',
  'media.kind.video': '视频',

  'media.legNoPorts': '通道 {leg} 没有{kind}端口，但 SDP 中有{kind}媒体行（m=）',
  'media.codecNotMixed': '音频编解码器 {codec} 不在本桥接服务可混音的范围内（{known}）',
  'media.legNoKind': '通道 {leg} 没有{kind}',
  'media.legAudioOnPlane': '通道 {leg} 的音频在媒体线程上传输：应在那里混音',
  'media.legClosed': '通道 {leg} 已关闭',
  'media.legTransport': '无法为通道 {leg} 创建{kind}传输：{why}',
  'media.legUnchosen': '通道 {leg}：尚未选定接收内容就设置了远端参数',
  'media.legCannotReceive': '通道 {leg} 无法以 {codec} 接收媒体流 {producer}：{why}',

  'media.cannotCarry': '媒体层无法传输{kind}编解码器 {codec}/{rate}',
  'media.routerNoVideoCodec': '媒体路由器没有 {key} 视频编解码器',
  'media.producerNoCodec': '媒体流 {producer} 没有编解码器',
  'media.routerNoCodec': '媒体路由器没有适用于媒体流 {producer}（{mime}）的编解码器',
  'media.notVideo': '媒体流 {producer} 不是 VP8/H.264 视频',
  'media.mixerNoCodec': '混音器不支持 {codec} 编解码器',
  'media.g722Lib': 'G.722 需要 libspandsp.so.2（软件包 libspandsp2）：{why}',

  'media.srtpLib': 'SRTP 需要 libsrtp2.so.1（软件包 libsrtp2-1）：{why}',
  'media.srtpInit': 'SRTP 库初始化失败（状态码 {status}）',
  'media.srtpKeyLength': '{suite} 需要 {bytes} 字节的密钥和盐值，收到 {got} 字节',
  'media.srtpCreate': '为 {suite} 创建 SRTP 会话失败（状态码 {status}）',

  'media.notDtmf': '不是有效的 DTMF 按键串：{digits}',
  'media.noTelephoneEvent': '会议室未协商 RFC 4733 电话事件；请改用 SIP INFO 发送 DTMF',

  'media.mixerClosed': '混音器已关闭',
  'media.mixerHasSource': '混音器中已有音源 {id}',
  'media.mixerNoSource': '混音器中没有音源 {id}',
  'media.legNoMixAudio': '通道 {leg} 没有协商好的音频可供混音',
  'media.mixerNoRouter': '混音器创建时没有媒体路由器',

  'media.relayPortsNoPair': 'media.relayPorts {min}-{max} 中没有一对偶数/奇数端口',
  'media.noPortPair': '在 {address} 上找不到一对 RTP/RTCP 端口',
  'media.relayPortsFull': '{min}-{max}（media.relayPorts）中没有空闲的 RTP 中继端口对',
  'media.bindRelay': '无法在 {address} 上绑定 RTP 中继端口 {port}：{why}',
  'media.rtpPortsSmall': 'media.rtpPorts {min}-{max} 对 {n} 个媒体工作进程来说太小',
  'media.noWorkerStarted': '没有一个媒体工作进程能启动：{why}',
  'media.poolClosed': '媒体工作进程池已关闭',
  'media.noLiveWorker': '没有正在运行的媒体工作进程',
  'media.routerFailed': '无法为会议 {id} 创建媒体路由器：{why}',

  'media.viewFailed': '无法建立视频选看：{why}',
  'media.noViewTarget': '没有选看对象 {id}',
  'media.browserSetup': '无法建立浏览器的媒体连接：{why}',
  'media.produceOnReceive': '不能在接收通道上发送媒体',
  'media.browserSends': '该浏览器已在发送{kind}',
  'media.browserTake': '本桥接服务无法接收该浏览器的{kind}：{why}',
  'media.browserGone': '浏览器开始发送时连接已关闭',
  'media.noTransport': '此连接上没有传输通道 {id}',
};
