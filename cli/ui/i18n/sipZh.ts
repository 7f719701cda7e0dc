// SIP answers in Chinese, by status code (RFC 3261 §21 and the common extensions): the peer's own
// reason phrase is English (or anything), so the code decides what the operator reads.
const SIP_ZH: Record<number, string> = {
  100: '正在处理',
  180: '振铃',
  183: '会话进展',
  200: '成功',
  202: '已接受',
  400: '请求有误',
  401: '需要认证',
  403: '禁止访问',
  404: '用户不存在',
  405: '不支持该方法',
  406: '无法接受',
  407: '需要代理认证',
  408: '请求超时',
  410: '已不存在',
  413: '请求过大',
  415: '不支持的媒体类型',
  420: '不支持的扩展',
  422: '会话间隔太短',
  480: '暂时不可用',
  481: '呼叫不存在',
  482: '检测到环路',
  483: '跳数过多',
  484: '号码不完整',
  485: '号码有歧义',
  486: '忙',
  487: '请求已取消',
  488: '无法接受（无共同编解码）',
  491: '请求冲突',
  500: '服务器内部错误',
  501: '未实现',
  502: '网关错误',
  503: '服务不可用',
  504: '服务器超时',
  505: '版本不支持',
  513: '消息过大',
  600: '全忙',
  603: '拒绝',
  604: '不存在',
  606: '无法接受',
};

/** The Chinese phrase of a SIP status code, or undefined for a code without one. */
export function sipPhraseZh(status: number): string | undefined {
  return SIP_ZH[status] ?? (status >= 200 && status < 300 ? '成功' : undefined);
}
