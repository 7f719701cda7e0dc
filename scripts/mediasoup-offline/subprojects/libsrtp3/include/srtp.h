// vcbridge: the libsrtp3 calls mediasoup-worker makes (size_t lengths, separate in/out buffers),
// expressed with Debian's libsrtp2 (int lengths, in place). C++ overloads only.
#ifndef VCBRIDGE_SRTP3_ON_SRTP2_H
#define VCBRIDGE_SRTP3_ON_SRTP2_H
#include <srtp2/srtp.h>
#ifdef __cplusplus
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

namespace vcbridge_srtp {
// Copy the input into the output buffer (if distinct) and run a libsrtp2 in-place call on it.
template <typename Fn>
inline srtp_err_status_t inPlace(const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t room, Fn fn)
{
	if (inLen > static_cast<size_t>(INT_MAX)) return srtp_err_status_bad_param;
	if (*outLen < room) return srtp_err_status_buffer_small;
	if (out != in) std::memmove(out, in, inLen);
	int len = static_cast<int>(inLen);
	const srtp_err_status_t err = fn(out, &len);
	if (err == srtp_err_status_ok) *outLen = static_cast<size_t>(len);
	return err;
}
}

inline srtp_err_status_t srtp_protect(srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t mki)
{
	return vcbridge_srtp::inPlace(rtp, rtpLen, srtp, srtpLen, rtpLen + SRTP_MAX_TRAILER_LEN, [&](uint8_t* b, int* l) {
		return mki == 0 ? ::srtp_protect(ctx, b, l) : ::srtp_protect_mki(ctx, b, l, 1, static_cast<unsigned int>(mki));
	});
}
inline srtp_err_status_t srtp_unprotect(srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return vcbridge_srtp::inPlace(srtp, srtpLen, rtp, rtpLen, rtp == srtp ? 0 : srtpLen, [&](uint8_t* b, int* l) {
		return ::srtp_unprotect(ctx, b, l);
	});
}
inline srtp_err_status_t srtp_protect_rtcp(srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t mki)
{
	// SRTCP adds the E+index word besides the auth tag and MKI.
	return vcbridge_srtp::inPlace(rtcp, rtcpLen, srtcp, srtcpLen, rtcpLen + SRTP_MAX_TRAILER_LEN + 4, [&](uint8_t* b, int* l) {
		return mki == 0 ? ::srtp_protect_rtcp(ctx, b, l) : ::srtp_protect_rtcp_mki(ctx, b, l, 1, static_cast<unsigned int>(mki));
	});
}
inline srtp_err_status_t srtp_unprotect_rtcp(srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return vcbridge_srtp::inPlace(srtcp, srtcpLen, rtcp, rtcpLen, rtcp == srtcp ? 0 : srtcpLen, [&](uint8_t* b, int* l) {
		return ::srtp_unprotect_rtcp(ctx, b, l);
	});
}
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc) { return ::srtp_remove_stream(session, ssrc); }
#endif
#endif
